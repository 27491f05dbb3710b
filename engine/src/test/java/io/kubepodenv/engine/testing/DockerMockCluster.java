package io.kubepodenv.engine.testing;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A fabric8 mock API server (CRUD mode, with the {@link ApplyPatchShimDispatcher server-side apply shim}) whose pod
 * port-forward and exec reach real local servers: the test Docker daemon by default. Create a docker-host StatefulSet
 * with a Ready pod with {@link #createDockerHost}, replace its pod with {@link #replacePod}, and point a tunnel at it
 * with {@link #client()}.
 */
public final class DockerMockCluster implements AutoCloseable {
    public static final String NAMESPACE = "kpe-test";

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final PortForwardBridge portForward;
    private final ExecBridge exec;
    private final Map<String, String> execContainers = new java.util.concurrent.ConcurrentHashMap<>();

    private DockerMockCluster(BiFunction<String, Integer, SocketAddress> targets, DockerDaemonFixture docker) {
        this.portForward = new PortForwardBridge(targets);
        this.exec = docker == null ? null
                : new ExecBridge(docker, pod -> execContainers.getOrDefault(pod, execContainers.get("*")));
        PortForwardExecDispatcher dispatcher = new PortForwardExecDispatcher(new ApplyPatchShimDispatcher(),
                portForward, exec);
        this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        this.client = server.createClient();
    }

    /** Every pod's port-forward goes to the test Docker daemon; exec goes to containers set with {@link #execInto}. */
    public static DockerMockCluster forDocker(DockerDaemonFixture docker) {
        return new DockerMockCluster((pod, port) -> docker.address(), docker);
    }

    /** Port-forward goes wherever {@code targets} says (null: connection refused); no exec. */
    public static DockerMockCluster forTargets(BiFunction<String, Integer, SocketAddress> targets) {
        return new DockerMockCluster(targets, null);
    }

    public KubernetesClient client() {
        return client;
    }

    public KubernetesMockServer server() {
        return server;
    }

    public PortForwardBridge portForward() {
        return portForward;
    }

    public ExecBridge exec() {
        return exec;
    }

    /** Exec requests for {@code pod} ({@code *}: any pod without its own) run in the given docker container. */
    public void execInto(String pod, String dockerContainer) {
        execContainers.put(pod, dockerContainer);
    }

    /** Creates a StatefulSet with one Ready pod {@code <name>-0}, as its controller would. */
    public StatefulSet createDockerHost(String name) {
        StatefulSet set = new StatefulSetBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withServiceName(name)
                .withNewSelector().addToMatchLabels("kpe-test/host", name).endSelector()
                .withNewTemplate()
                .withNewMetadata().addToLabels("kpe-test/host", name).endMetadata()
                .withNewSpec().addToContainers(dind()).endSpec()
                .endTemplate()
                .endSpec()
                .build();
        StatefulSet created = client.apps().statefulSets().inNamespace(NAMESPACE).resource(set).create();
        createReadyPod(name, name + "-0");
        return created;
    }

    /** Deletes pod {@code oldPod} and creates a Ready {@code newPod} for the same StatefulSet. */
    public void replacePod(String statefulSet, String oldPod, String newPod) {
        client.pods().inNamespace(NAMESPACE).withName(oldPod).delete();
        createReadyPod(statefulSet, newPod);
    }

    /** Creates a pod of the StatefulSet that is Running but not Ready (e.g. its Docker server still starting). */
    public void createUnreadyPod(String statefulSet, String podName) {
        client.pods().inNamespace(NAMESPACE).resource(pod(statefulSet, podName, false)).create();
    }

    public void deletePod(String podName) {
        client.pods().inNamespace(NAMESPACE).withName(podName).delete();
    }

    public Pod createReadyPod(String statefulSet, String podName) {
        return client.pods().inNamespace(NAMESPACE).resource(pod(statefulSet, podName, true)).create();
    }

    private static Pod pod(String statefulSet, String podName, boolean ready) {
        return new PodBuilder()
                .withNewMetadata().withName(podName).withNamespace(NAMESPACE)
                .addToLabels("kpe-test/host", statefulSet)
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("StatefulSet").withName(statefulSet)
                .withUid("uid-" + statefulSet).withController(true).endOwnerReference()
                .endMetadata()
                .withNewSpec().addToContainers(dind()).endSpec()
                .withNewStatus()
                .withPhase("Running")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .addNewContainerStatus().withName("docker").withReady(ready).endContainerStatus()
                .endStatus()
                .build();
    }

    private static io.fabric8.kubernetes.api.model.Container dind() {
        return new ContainerBuilder().withName("docker").withImage("docker:dind").build();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
