package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubepodenv.engine.testing.DockerMockCluster;
import io.kubepodenv.engine.testing.EchoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A tunnel opened from an {@link ApiServerAccess}, as a Jenkins agent opens it: it passes data, and it does so in a
 * class loader that has nothing but the JDK, the engine's own classes and SLF4J, so that touching any fabric8 or
 * Jackson class would fail with {@link NoClassDefFoundError}; the classes it loaded are listed and checked too.
 */
class DockerTunnelWithoutClientTest {
    private static final String HOST = "env-jdk";

    private EchoServer echo;
    private DockerMockCluster cluster;

    @BeforeEach
    void start() throws IOException {
        echo = EchoServer.start();
        cluster = DockerMockCluster.forTargets((pod, port) -> echo.address());
        cluster.createDockerHost(HOST);
    }

    @AfterEach
    void stop() throws IOException {
        cluster.close();
        echo.close();
    }

    @Test
    void aTunnelOpenedFromTheAccessValueLoadsNoClassOutsideTheJdkTheTunnelAndSlf4j() throws Exception {
        byte[] payload = new byte[300_000];
        new Random(5).nextBytes(payload);
        RecordingLoader loader = new RecordingLoader();

        byte[] echoed = (byte[]) loader.loadClass(JdkOnlyTunnelDriver.class.getName())
                .getMethod("echoThroughTunnel", byte[].class, String.class, String.class, byte[].class)
                .invoke(null, serialized(KubernetesClientAccess.of(cluster.client())), DockerMockCluster.NAMESPACE, HOST,
                        payload);

        assertThat(echoed).isEqualTo(payload);
        assertThat(cluster.portForward().podsRequested()).contains(HOST + "-0");
        assertThat(loader.loaded).as("classes loaded outside the JDK").isNotEmpty().allSatisfy(name -> assertThat(
                name.startsWith("io.kubepodenv.engine.tunnel.") || name.startsWith("org.slf4j.")
                        || name.equals("io.kubepodenv.engine.ProgressListener")
                        || name.equals("io.kubepodenv.engine.KubePodEnvException"))
                .as(name).isTrue());
        assertThat(loader.loaded).as("the tunnel's own classes ran in the loader")
                .contains(DirectPortForward.class.getName(), DirectStream.class.getName());
    }

    @Test
    void aPodAccessMadeForFixedCredentialsIsDirectAndLoadsNoClientWhereItIsUsed() throws Exception {
        byte[] payload = new byte[100_000];
        new Random(6).nextBytes(payload);
        PodAccess access = KubernetesClientAccess.podAccess(cluster.client(), new io.kubepodenv.engine.config
                .ClusterConnection(cluster.client().getMasterUrl().toString(), "",
                        new io.kubepodenv.engine.config.ClusterCredentials.Token("t0ken"), DockerMockCluster.NAMESPACE));
        assertThat(access).isInstanceOf(DirectPodAccess.class);
        RecordingLoader loader = new RecordingLoader();

        byte[] echoed = (byte[]) loader.loadClass(JdkOnlyTunnelDriver.class.getName())
                .getMethod("echoThroughPodAccess", byte[].class, String.class, byte[].class)
                .invoke(null, serialized(access), HOST, payload);

        assertThat(echoed).isEqualTo(payload);
        assertThat(loader.loaded).as("classes loaded outside the JDK").allSatisfy(name -> assertThat(
                name.startsWith("io.kubepodenv.engine.tunnel.") || name.startsWith("io.kubepodenv.engine.sync.")
                        || name.startsWith("org.slf4j.") || name.equals("io.kubepodenv.engine.ProgressListener")
                        || name.equals("io.kubepodenv.engine.KubePodEnvException"))
                .as(name).isTrue());
        assertThat(loader.loaded).doesNotContain(ClientPodAccess.class.getName());
    }

    private static byte[] serialized(java.io.Serializable access) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(access);
        }
        return bytes.toByteArray();
    }

    /**
     * The engine's compiled classes (main and test) and the SLF4J API, over the JDK alone: no fabric8, no Jackson, no
     * other library. Records every class it is asked for that the JDK does not define.
     */
    static final class RecordingLoader extends URLClassLoader {
        final Set<String> loaded = ConcurrentHashMap.newKeySet();

        RecordingLoader() throws Exception {
            super(urls(), ClassLoader.getPlatformClassLoader());
        }

        private static URL[] urls() throws Exception {
            Path mainClasses = Path.of(DockerTunnel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path testClasses = Path.of(JdkOnlyTunnelDriver.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI());
            Path slf4j = Path.of(LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return List.of(mainClasses, testClasses, slf4j).stream().map(p -> {
                try {
                    return p.toUri().toURL();
                } catch (java.net.MalformedURLException e) {
                    throw new IllegalStateException(e);
                }
            }).toArray(URL[]::new);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            Class<?> c = super.loadClass(name, resolve);
            if (c.getClassLoader() == this) {
                loaded.add(name);
            }
            return c;
        }
    }
}
