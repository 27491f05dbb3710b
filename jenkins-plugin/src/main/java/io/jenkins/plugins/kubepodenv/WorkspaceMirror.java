package io.jenkins.plugins.kubepodenv;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.exec.PodExec;
import io.kubepodenv.engine.sync.PodCommands;
import io.kubepodenv.engine.sync.SyncOptions;
import io.kubepodenv.engine.sync.WorkspaceSync;
import io.kubepodenv.engine.tunnel.KubernetesClientAccess;
import io.kubepodenv.engine.tunnel.PodAccess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jenkins.security.MasterToSlaveCallable;

/**
 * The block's workspace mirrored into the Docker host ({@link WorkspaceSync}), run on the agent that holds the
 * workspace. As with the tunnel ({@link AgentTunnels}), the agent gets a {@link PodAccess}, with which it loads no
 * Kubernetes client unless the credentials renew themselves.
 */
final class WorkspaceMirror {
    static final String SIZE_LIMIT_HINT = "withKubePodEnv syncSizeLimit, in GiB";

    private WorkspaceMirror() {
    }

    /** The call that mirrors {@code workspace} (a path on the agent) into {@code pod}; returns the report line. */
    static MasterToSlaveCallable<String, IOException> push(ClusterConnection connection, KubernetesClient client,
        String pod, String workspace, SyncOptions options) {
        return call(connection, client, pod, new Job(workspace, options.sizeLimit(), options.excludes(), null));
    }

    /** The call that copies {@code paths} of the mirror back into {@code workspace}; returns the report line. */
    static MasterToSlaveCallable<String, IOException> pull(ClusterConnection connection, KubernetesClient client,
        String pod, String workspace, List<String> paths) {
        return call(connection, client, pod, new Job(workspace, SyncOptions.DEFAULT_SIZE_LIMIT, List.of(), paths));
    }

    private static MasterToSlaveCallable<String, IOException> call(ClusterConnection connection,
        KubernetesClient client, String pod, Job job) {
        String container = new PodExec(client, connection.namespace()).firstContainer(pod);
        return new Mirror(KubernetesClientAccess.podAccess(client, connection), pod, container, job);
    }

    /** What to do on the agent: push (back null) or copy back. Plain fields, for the channel. */
    static final class Job implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final String workspace;
        private final long sizeLimit;
        private final ArrayList<String> excludes;
        private final ArrayList<String> back;

        Job(String workspace, long sizeLimit, List<String> excludes, List<String> back) {
            this.workspace = workspace;
            this.sizeLimit = sizeLimit;
            this.excludes = new ArrayList<>(excludes);
            this.back = back == null ? null : new ArrayList<>(back);
        }

        String run(PodCommands pod) {
            WorkspaceSync sync = new WorkspaceSync(pod, SyncOptions.defaults().withSizeLimit(sizeLimit)
                .withExcludes(excludes), SIZE_LIMIT_HINT);
            return back == null ? sync.push(Path.of(workspace)).describe()
                : sync.pull(Path.of(workspace), back).describe();
        }
    }

    /** Runs the job on the agent through its {@link PodAccess}. */
    static final class Mirror extends MasterToSlaveCallable<String, IOException> {
        private static final long serialVersionUID = 1L;
        private final PodAccess access;
        private final String pod;
        private final String container;
        private final Job job;

        Mirror(PodAccess access, String pod, String container, Job job) {
            this.access = access;
            this.pod = pod;
            this.container = container;
            this.job = job;
        }

        @Override
        public String call() throws IOException {
            try (PodAccess a = access) {
                return job.run(a.commands(pod, container));
            } catch (KubePodEnvException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }
}
