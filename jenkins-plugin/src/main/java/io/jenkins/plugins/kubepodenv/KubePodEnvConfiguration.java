package io.jenkins.plugins.kubepodenv;

import hudson.Extension;
import hudson.ExtensionList;
import jenkins.model.GlobalConfiguration;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * The global defaults (Manage Jenkins > System > kube-pod-env), also the Configuration as Code key
 * {@code unclassified.kubePodEnv}.
 */
@Extension
@Symbol("kubePodEnv")
public class KubePodEnvConfiguration extends GlobalConfiguration {
    static final String ORIGIN = "global configuration";

    private KubePodEnvSettings settings;

    public KubePodEnvConfiguration() {
        load();
    }

    public static KubePodEnvConfiguration get() {
        return ExtensionList.lookupSingleton(KubePodEnvConfiguration.class);
    }

    public KubePodEnvSettings getSettings() {
        return settings;
    }

    @DataBoundSetter
    public void setSettings(KubePodEnvSettings settings) {
        this.settings = settings;
        save();
    }

    @Override
    public String getDisplayName() {
        return "kube-pod-env";
    }
}
