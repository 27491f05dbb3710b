package io.jenkins.plugins.kubepodenv;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Plays the StatefulSet controller and kubelet on the fabric8 mock: gives every StatefulSet one Ready pod. */
final class FakeStatefulSetController implements AutoCloseable {
    static final String POD_IP = "10.0.0.7";
    private final Thread thread;
    private volatile boolean stopped;

    FakeStatefulSetController(KubernetesClient client, String namespace) {
        thread = new Thread(() -> {
            while (!stopped) {
                for (StatefulSet s : client.apps().statefulSets().inNamespace(namespace).list().getItems()) {
                    String name = s.getMetadata().getName() + "-0";
                    if (client.pods().inNamespace(namespace).withName(name).get() == null) {
                        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                            .withLabels(s.getSpec().getSelector().getMatchLabels()).endMetadata()
                            .withNewStatus().withPhase("Running").withPodIP(POD_IP)
                            .addNewCondition().withType("Ready").withStatus("True").endCondition()
                            .endStatus().build();
                        client.pods().inNamespace(namespace).resource(pod).create();
                    }
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fake StatefulSet controller");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
