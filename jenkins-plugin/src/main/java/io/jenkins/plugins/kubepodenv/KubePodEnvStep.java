package io.jenkins.plugins.kubepodenv;

import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.kubepodenv.engine.config.SettingsLayer;
import java.util.Set;
import hudson.util.ListBoxModel;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code withKubePodEnv { ... }}: runs its block with {@code DOCKER_HOST} pointing at this build's (or pull request's)
 * Docker server on Kubernetes. Parameters override the configuration; the cluster, credentials and template cannot be
 * set here, because whoever can change the Jenkinsfile could then choose them.
 */
public class KubePodEnvStep extends Step {
    private String namespace;
    private String storageClass;
    private String storageSize;
    private Boolean serverSideApply;
    private String readyTimeout;
    private String connectionMode;
    private Boolean keep;

    @DataBoundConstructor
    public KubePodEnvStep() {
    }

    SettingsLayer toLayer() {
        return SettingsLayer.parameters("withKubePodEnv parameters").withNamespace(namespace)
            .withStorageClass(storageClass).withStorageSize(storageSize).withServerSideApply(serverSideApply)
            .withReadyTimeout(readyTimeout).withConnectionMode(connectionMode).withKeep(keep);
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new KubePodEnvStepExecution(this, context);
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

    public Boolean getServerSideApply() {
        return serverSideApply;
    }

    @DataBoundSetter
    public void setServerSideApply(Boolean serverSideApply) {
        this.serverSideApply = serverSideApply;
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
    @Symbol("withKubePodEnv")
    public static final class DescriptorImpl extends StepDescriptor {
        @Override
        public String getFunctionName() {
            return "withKubePodEnv";
        }

        @POST
        public ListBoxModel doFillKeepItems() {
            return Choices.keep();
        }

        @POST
        public ListBoxModel doFillConnectionModeItems() {
            return Choices.connectionModes();
        }

        @POST
        public ListBoxModel doFillServerSideApplyItems() {
            return Choices.serverSideApply();
        }

        @Override
        public String getDisplayName() {
            return "Run with a Docker host on Kubernetes (kube-pod-env)";
        }

        @Override
        public boolean takesImplicitBlockArgument() {
            return true;
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, TaskListener.class, FilePath.class, EnvVars.class);
        }
    }
}
