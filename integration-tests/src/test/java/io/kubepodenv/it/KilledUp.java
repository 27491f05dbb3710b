package io.kubepodenv.it;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.TemplateSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A process for {@link KilledUpIT} to kill: runs {@code up} and, at the progress line that starts with the given
 * text, prints {@value #STOPPED} and stops there (nothing after that line runs) until it is killed.
 *
 * <p>Arguments: namespace, key, template file, the start of the line to stop at.
 */
public final class KilledUp {
    static final String STOPPED = "STOPPED AT: ";

    private KilledUp() {
    }

    public static void main(String[] args) throws Exception {
        String namespace = args[0];
        EnvironmentKey key = EnvironmentKey.of(args[1]);
        TemplateSource template = new TemplateSource("killed-up template", Files.readString(Path.of(args[2])));
        String stopAt = args[3];
        ControlPlane cluster = ControlPlane.require();
        KubernetesClient client = cluster.adminClient();
        KubePodEnv engine = new KubePodEnv(client, cluster.options(namespace).template(template).build(),
            DockerServerCheck.POD_READY_ONLY);
        engine.up(key, message -> {
            System.out.println(message);
            if (message.startsWith(stopAt)) {
                System.out.println(STOPPED + message);
                System.out.flush();
                try {
                    new CountDownLatch(1).await(); // until killed
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(3); // never run the engine's cleanup, whatever happens
            }
        });
        System.out.println("up finished without reaching '" + stopAt + "'");
        System.exit(2);
    }
}
