package io.jenkins.plugins.kubepodenv;

import hudson.Extension;
import hudson.model.Job;
import jenkins.model.OptionalJobProperty;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * A job's overrides. Trusted (may set the cluster and template) only on jobs configured solely through the UI
 * (freestyle); on Pipeline jobs the Jenkinsfile's {@code properties} step can rewrite job properties, so there this
 * level is treated like step parameters. See {@link SettingsLevels}.
 */
public class KubePodEnvJobProperty extends OptionalJobProperty<Job<?, ?>> {
    private final KubePodEnvSettings settings;

    @DataBoundConstructor
    public KubePodEnvJobProperty(KubePodEnvSettings settings) {
        this.settings = settings;
    }

    public KubePodEnvSettings getSettings() {
        return settings;
    }

    @Extension
    @Symbol("kubePodEnv")
    public static final class DescriptorImpl extends OptionalJobPropertyDescriptor {
        @Override
        public String getDisplayName() {
            return "kube-pod-env: override the cluster, template or defaults";
        }
    }
}
