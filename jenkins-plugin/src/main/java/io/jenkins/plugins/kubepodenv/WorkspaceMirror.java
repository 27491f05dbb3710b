package io.jenkins.plugins.kubepodenv;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.exec.PodExec;
import io.kubepodenv.engine.sync.PodCommands;
import io.kubepodenv.engine.sync.SyncOptions;
import io.kubepodenv.engine.sync.WorkspaceSync;
import io.kubepodenv.engine.tunnel.ApiServerAccess;
import io.kubepodenv.engine.tunnel.DirectPodExec;
import io.kubepodenv.engine.tunnel.KubernetesClientAccess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jenkins.security.MasterToSlaveCallable;

/**
 * The block's workspace mirrored into the Docker host ({@link WorkspaceSync}), run on the agent that holds the
 * workspace. As with the tunnel ({@link AgentTunnels}), unless the credentials renew themselves the agent gets them as
 * an {@link ApiServerAccess} and runs the pod exec with JDK classes only ({@link DirectPodExec}).
 */
final class WorkspaceMirror {
    static final String SIZE_LIMIT_HINT = "withKubePodEnv syncSizeLimit, in GiB";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

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
        ApiServerAccess access = KubernetesClientAccess.of(client);
        if (access.refreshingCredentials()) {
            return new WithClient(connection, pod, job);
        }
        String container = new PodExec(client, connection.namespace()).firstContainer(pod);
        return new Direct(access, connection.namespace(), pod, container, job);
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

    /** Pod exec on a connection of its own, JDK classes only: loads no Kubernetes client on the agent. */
    static final class Direct extends MasterToSlaveCallable<String, IOException> {
        private static final long serialVersionUID = 1L;
        private final ApiServerAccess access;
        private final String namespace;
        private final String pod;
        private final String container;
        private final Job job;

        Direct(ApiServerAccess access, String namespace, String pod, String container, Job job) {
            this.access = access;
            this.namespace = namespace;
            this.pod = pod;
            this.container = container;
            this.job = job;
        }

        @Override
        public String call() throws IOException {
            try {
                return job.run(new DirectPodExec(access, namespace, pod, container, CONNECT_TIMEOUT));
            } catch (KubePodEnvException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    /** As {@link Direct}, with a Kubernetes client on the agent, whose credentials renew themselves there. */
    static final class WithClient extends MasterToSlaveCallable<String, IOException> {
        private static final long serialVersionUID = 1L;
        private final ClusterConnection connection;
        private final String pod;
        private final Job job;

        WithClient(ClusterConnection connection, String pod, Job job) {
            this.connection = connection;
            this.pod = pod;
            this.job = job;
        }

        @Override
        public String call() throws IOException {
            try (KubernetesClient client = connection.newClient()) {
                return job.run(new PodExec(client, connection.namespace()).commandsIn(pod));
            } catch (KubePodEnvException e) {
                throw new IOException(connection.masker().mask(e.getMessage()), e);
            }
        }
    }
}
