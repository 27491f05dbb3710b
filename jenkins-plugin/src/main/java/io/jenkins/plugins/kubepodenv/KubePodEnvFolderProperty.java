package io.jenkins.plugins.kubepodenv;

import com.cloudbees.hudson.plugins.folder.AbstractFolder;
import com.cloudbees.hudson.plugins.folder.AbstractFolderProperty;
import com.cloudbees.hudson.plugins.folder.AbstractFolderPropertyDescriptor;
import hudson.Extension;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.StaplerRequest2;
import net.sf.json.JSONObject;

/** A folder's overrides (a multibranch project is a folder too): trusted, only folder administrators change it. */
public class KubePodEnvFolderProperty extends AbstractFolderProperty<AbstractFolder<?>> {
    private final KubePodEnvSettings settings;

    @DataBoundConstructor
    public KubePodEnvFolderProperty(KubePodEnvSettings settings) {
        this.settings = settings;
    }

    public KubePodEnvSettings getSettings() {
        return settings;
    }

    @Extension
    @Symbol("kubePodEnv")
    public static final class DescriptorImpl extends AbstractFolderPropertyDescriptor {
        @Override
        public String getDisplayName() {
            return "kube-pod-env";
        }

        /** A folder saved with the override unchecked has no property at all (not one with null settings). */
        @Override
        public AbstractFolderProperty<?> newInstance(StaplerRequest2 req, JSONObject formData) throws FormException {
            return formData.optJSONObject("settings") == null ? null : super.newInstance(req, formData);
        }
    }
}
