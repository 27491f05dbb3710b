package io.kubepodenv.it;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** A namespace of its own for one test, deleted (and waited for, bounded) when closed. */
final class TestNamespace implements AutoCloseable {
    static final String LABEL = "kube-pod-env.io/integration-test";
    private static final Duration DELETE_TIMEOUT = Duration.ofSeconds(90);

    private final KubernetesClient admin;
    private final String name;

    private TestNamespace(KubernetesClient admin, String name) {
        this.admin = admin;
        this.name = name;
    }

    /** Creates {@code it-<purpose>-<random>}. */
    static TestNamespace create(KubernetesClient admin, String purpose) {
        String name = ("it-" + purpose + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36),
            36)).toLowerCase(Locale.ROOT);
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
            .addToLabels(LABEL, "true").endMetadata().build()).create();
        return new TestNamespace(admin, name);
    }

    String name() {
        return name;
    }

    @Override
    public void close() {
        admin.namespaces().withName(name).delete();
        Waits.until("namespace " + name + " is deleted", DELETE_TIMEOUT,
            () -> admin.namespaces().withName(name).get() == null,
            () -> String.valueOf(admin.namespaces().withName(name).get()));
    }
}
