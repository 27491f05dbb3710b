package io.jenkins.plugins.kubepodenv;

import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.AbstractProject;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildWrapper;
import hudson.tasks.BuildWrapperDescriptor;
import hudson.util.ListBoxModel;
import io.kubepodenv.engine.config.BodyEnvironment;
import io.kubepodenv.engine.config.SettingsLayer;
import io.kubepodenv.engine.sync.SyncRequest;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jenkins.tasks.SimpleBuildWrapper;
import net.sf.json.JSONObject;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/**
 * The block: {@code withKubePodEnv { ... }} in Pipeline (through workflow-basic-steps' wrapper step) and Build
 * Environment > "Docker host on Kubernetes" in freestyle jobs. Runs the block with {@code DOCKER_HOST} pointing at this
 * build's (or pull request's) Docker server on Kubernetes. Parameters override the configuration; the cluster,
 * credentials and template cannot be set here, because whoever can change the Jenkinsfile could then choose them.
 *
 * <p>It needs no workspace of its own: in direct mode it works outside {@code node { }}, and its release runs even
 * when the block's agent is gone. After a controller restart, {@link EnvironmentLease.OpenTunnels} gives a reconnected
 * agent its tunnels back.
 */
public class KubePodEnvBuildWrapper extends SimpleBuildWrapper {
    private String namespace;
    private String storageClass;
    /** GiB; a number, so that {@code storageSize: 10} works in Pipeline. */
    private Double storageSize;
    private Boolean serverSideApply;
    private String readyTimeout;
    private String connectionMode;
    private Boolean keep;
    /** Mirror the workspace into the Docker host before the block (docs/sync.md). */
    private Boolean sync;
    /** Paths copied back from the mirror after the block. */
    private List<String> syncBack;
    /** .dockerignore patterns left out of the mirror. */
    private List<String> syncExclude;
    /** GiB; a number, as storageSize. */
    private Double syncSizeLimit;

    @DataBoundConstructor
    public KubePodEnvBuildWrapper() {
    }

    @Override
    public boolean requiresWorkspace() {
        return false;
    }

    @Override
    public void setUp(Context context, Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener,
        EnvVars initialEnvironment) throws IOException, InterruptedException {
        start(context, build, workspace, listener, initialEnvironment);
    }

    @Override
    public void setUp(Context context, Run<?, ?> build, TaskListener listener, EnvVars initialEnvironment)
        throws IOException, InterruptedException {
        start(context, build, null, listener, initialEnvironment);
    }

    private void start(Context context, Run<?, ?> build, FilePath workspace, TaskListener listener, EnvVars env)
        throws IOException, InterruptedException {
        SettingsLayer parameters = SettingsLayer.parameters("withKubePodEnv parameters").withNamespace(namespace)
            .withStorageClass(storageClass)
            .withStorageSize(storageSize == null ? null : BigDecimal.valueOf(storageSize).stripTrailingZeros().toPlainString()).withServerSideApply(serverSideApply)
            .withReadyTimeout(readyTimeout).withConnectionMode(connectionMode).withKeep(keep).withSync(sync);
        EnvironmentLease.Held held = EnvironmentLease.acquire(build, workspace, listener, env, parameters,
            enabled -> SyncRequest.of("withKubePodEnv parameters", enabled, syncSizeLimit, syncExclude, syncBack));
        for (String cleared : BodyEnvironment.clearedNames()) {
            context.env(cleared, "");
        }
        for (Map.Entry<String, String> v : held.body().variables().entrySet()) {
            context.env(v.getKey(), v.getValue());
        }
        context.setDisposer(new Release(held.lease()));
    }

    /** The end of the block; a few Strings, so it runs after a controller restart too. */
    private static final class Release extends Disposer {
        private static final long serialVersionUID = 1L;
        private final EnvironmentLease.Lease lease;

        Release(EnvironmentLease.Lease lease) {
            this.lease = lease;
        }

        @Override
        public void tearDown(Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener)
            throws IOException, InterruptedException {
            EnvironmentLease.release(build, workspace, listener, lease);
        }

        /** The block's agent is gone (or it never had one: direct mode outside a node). */
        @Override
        public void tearDown(Run<?, ?> build, TaskListener listener) throws IOException, InterruptedException {
            EnvironmentLease.release(build, null, listener, lease);
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

    public Double getStorageSize() {
        return storageSize;
    }

    @DataBoundSetter
    public void setStorageSize(Double storageSize) {
        this.storageSize = storageSize;
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

    public Boolean getSync() {
        return sync;
    }

    @DataBoundSetter
    public void setSync(Boolean sync) {
        this.sync = sync;
    }

    public List<String> getSyncBack() {
        return syncBack;
    }

    @DataBoundSetter
    public void setSyncBack(List<String> syncBack) {
        this.syncBack = syncBack == null || syncBack.isEmpty() ? null : new ArrayList<>(syncBack);
    }

    public List<String> getSyncExclude() {
        return syncExclude;
    }

    @DataBoundSetter
    public void setSyncExclude(List<String> syncExclude) {
        this.syncExclude = syncExclude == null || syncExclude.isEmpty() ? null : new ArrayList<>(syncExclude);
    }

    public Double getSyncSizeLimit() {
        return syncSizeLimit;
    }

    @DataBoundSetter
    public void setSyncSizeLimit(Double syncSizeLimit) {
        this.syncSizeLimit = syncSizeLimit;
    }

    @Extension
    @Symbol("withKubePodEnv")
    public static final class DescriptorImpl extends BuildWrapperDescriptor {
        @Override
        public boolean isApplicable(AbstractProject<?, ?> item) {
            return true;
        }

        /** Stapler would bind a drop-down's "" ("inherit") to {@code false}; left out, the field stays null. */
        @Override
        public BuildWrapper newInstance(StaplerRequest2 req, JSONObject formData) throws FormException {
            return super.newInstance(req, FormValues.withoutBlanks(formData));
        }

        @POST
        public ListBoxModel doFillSyncItems() {
            return Choices.sync();
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
            return "Docker host on Kubernetes (kube-pod-env)";
        }
    }
}
