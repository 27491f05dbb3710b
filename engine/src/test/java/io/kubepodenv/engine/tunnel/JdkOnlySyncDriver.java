package io.kubepodenv.engine.tunnel;

import io.kubepodenv.engine.sync.SyncOptions;
import io.kubepodenv.engine.sync.WorkspaceSync;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs inside a class loader that holds only the engine's classes and SLF4J (see {@link DirectPodExecWithoutClientTest}):
 * receives an {@link ApiServerAccess} as a Jenkins agent would (serialized), mirrors a directory into a pod and copies
 * a path back with {@link DirectPodExec}. Only JDK types cross the loader's border.
 */
public final class JdkOnlySyncDriver {
    private JdkOnlySyncDriver() {
    }

    /** The push's report line, then the copy back's. */
    public static String[] pushAndPull(byte[] serializedAccess, String namespace, String pod, String container,
            String store, String dir, String back) throws IOException, ClassNotFoundException {
        ApiServerAccess access;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(serializedAccess))) {
            access = (ApiServerAccess) in.readObject();
        }
        WorkspaceSync sync = new WorkspaceSync(new DirectPodExec(access, namespace, pod, container,
                Duration.ofSeconds(30)), SyncOptions.defaults().withStore(store), "limit");
        String pushed = sync.push(Path.of(dir)).describe();
        String pulled = sync.pull(Path.of(dir), List.of(back)).describe();
        return new String[] {pushed, pulled};
    }
}
