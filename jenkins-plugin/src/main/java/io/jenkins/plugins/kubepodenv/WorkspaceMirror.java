package io.jenkins.plugins.kubepodenv;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.exec.PodExec;
import io.kubepodenv.engine.sync.SyncOptions;
import io.kubepodenv.engine.sync.WorkspaceSync;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jenkins.security.MasterToSlaveCallable;

/**
 * The block's workspace mirrored into the Docker host ({@link WorkspaceSync}), run on the agent that holds the
 * workspace. The agent gets the connection and builds its own Kubernetes client for the pod exec.
 */
final class WorkspaceMirror {
    static final String SIZE_LIMIT_HINT = "withKubePodEnv syncSizeLimit, in GiB";

    private WorkspaceMirror() {
    }

    /** Mirrors the workspace; returns the report line. */
    static final class Push extends MasterToSlaveCallable<String, IOException> {
        private static final long serialVersionUID = 1L;
        private final ClusterConnection connection;
        private final String pod;
        private final String workspace;
        private final long sizeLimit;
        private final ArrayList<String> excludes;

        Push(ClusterConnection connection, String pod, String workspace, long sizeLimit, List<String> excludes) {
            this.connection = connection;
            this.pod = pod;
            this.workspace = workspace;
            this.sizeLimit = sizeLimit;
            this.excludes = new ArrayList<>(excludes);
        }

        @Override
        public String call() throws IOException {
            SyncOptions options = SyncOptions.defaults().withSizeLimit(sizeLimit).withExcludes(excludes);
            try (KubernetesClient client = connection.newClient()) {
                return new WorkspaceSync(new PodExec(client, connection.namespace()).commandsIn(pod), options,
                    SIZE_LIMIT_HINT).push(Path.of(workspace)).describe();
            } catch (KubePodEnvException e) {
                throw new IOException(connection.masker().mask(e.getMessage()), e);
            }
        }
    }

    /** Copies paths of the mirror back into the workspace; returns the report line. */
    static final class Pull extends MasterToSlaveCallable<String, IOException> {
        private static final long serialVersionUID = 1L;
        private final ClusterConnection connection;
        private final String pod;
        private final String workspace;
        private final ArrayList<String> paths;

        Pull(ClusterConnection connection, String pod, String workspace, List<String> paths) {
            this.connection = connection;
            this.pod = pod;
            this.workspace = workspace;
            this.paths = new ArrayList<>(paths);
        }

        @Override
        public String call() throws IOException {
            try (KubernetesClient client = connection.newClient()) {
                return new WorkspaceSync(new PodExec(client, connection.namespace()).commandsIn(pod),
                    SyncOptions.defaults(), SIZE_LIMIT_HINT).pull(Path.of(workspace), paths).describe();
            } catch (KubePodEnvException e) {
                throw new IOException(connection.masker().mask(e.getMessage()), e);
            }
        }
    }
}
