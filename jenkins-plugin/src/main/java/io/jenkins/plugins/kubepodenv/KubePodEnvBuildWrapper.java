package io.jenkins.plugins.kubepodenv;

import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.AbstractProject;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildWrapperDescriptor;
import io.kubepodenv.engine.config.BodyEnvironment;
import io.kubepodenv.engine.config.SettingsLayer;
import java.io.IOException;
import java.util.Map;
import jenkins.tasks.SimpleBuildWrapper;
import hudson.util.ListBoxModel;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.verb.POST;

/** The same environment for freestyle jobs: Build Environment > "Docker host on Kubernetes (kube-pod-env)". */
public class KubePodEnvBuildWrapper extends SimpleBuildWrapper {
    private String namespace;
    private String storageClass;
    private String storageSize;
    private String readyTimeout;
    private String connectionMode;
    private Boolean keep;

    @DataBoundConstructor
    public KubePodEnvBuildWrapper() {
    }

    @Override
    public void setUp(Context context, Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener,
        EnvVars initialEnvironment) throws IOException, InterruptedException {
        SettingsLayer parameters = SettingsLayer.parameters("build environment options").withNamespace(namespace)
            .withStorageClass(storageClass).withStorageSize(storageSize).withReadyTimeout(readyTimeout)
            .withConnectionMode(connectionMode).withKeep(keep);
        EnvironmentLease.Held held = EnvironmentLease.acquire(build, workspace, listener, initialEnvironment,
            parameters);
        for (String cleared : BodyEnvironment.clearedNames()) {
            context.env(cleared, "");
        }
        for (Map.Entry<String, String> v : held.body().variables().entrySet()) {
            context.env(v.getKey(), v.getValue());
        }
        context.setDisposer(new Release(held.tunnelId(), held.key(), held.namespace(), held.keep()));
    }

    private static final class Release extends Disposer {
        private static final long serialVersionUID = 1L;
        private final String tunnelId;
        private final String key;
        private final String namespace;
        private final boolean keep;

        Release(String tunnelId, String key, String namespace, boolean keep) {
            this.tunnelId = tunnelId;
            this.key = key;
            this.namespace = namespace;
            this.keep = keep;
        }

        @Override
        public void tearDown(Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener)
            throws IOException, InterruptedException {
            EnvironmentLease.release(build, workspace, listener, tunnelId, key, namespace, keep);
        }
    }

    public String getNamespace() {
        return namespace;
    }

    @DataBoundSetter
    public void setNamespace(String namespace) {
        this.namespace = FormValues.blankToNull(namespace);
    }

    public String getStorageClass() {
        return storageClass;
    }

    @DataBoundSetter
    public void setStorageClass(String storageClass) {
        this.storageClass = FormValues.blankToNull(storageClass);
    }

    public String getStorageSize() {
        return storageSize;
    }

    @DataBoundSetter
    public void setStorageSize(String storageSize) {
        this.storageSize = FormValues.blankToNull(storageSize);
    }

    public String getReadyTimeout() {
        return readyTimeout;
    }

    @DataBoundSetter
    public void setReadyTimeout(String readyTimeout) {
        this.readyTimeout = FormValues.blankToNull(readyTimeout);
    }

    public String getConnectionMode() {
        return connectionMode;
    }

    @DataBoundSetter
    public void setConnectionMode(String connectionMode) {
        this.connectionMode = FormValues.blankToNull(connectionMode);
    }

    public Boolean getKeep() {
        return keep;
    }

    @DataBoundSetter
    public void setKeep(Boolean keep) {
        this.keep = keep;
    }

    @Extension
    @Symbol("kubePodEnv")
    public static final class DescriptorImpl extends BuildWrapperDescriptor {
        @Override
        public boolean isApplicable(AbstractProject<?, ?> item) {
            return true;
        }

        @POST
        public ListBoxModel doFillKeepItems() {
            return Choices.keep();
        }

        @POST
        public ListBoxModel doFillConnectionModeItems() {
            return Choices.connectionModes();
        }

        @Override
        public String getDisplayName() {
            return "Docker host on Kubernetes (kube-pod-env)";
        }
    }
}
