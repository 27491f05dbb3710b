package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Our own port-forward websocket against a scripted server that speaks raw HTTP and RFC 6455 frames: what the
 * handshake sends, every frame shape the server may send, what our frames look like on the wire, refusals, breaks
 * and a stalled upload.
 */
class DirectPortForwardTest {
    private static final String TARGET = "pod ns/p-0 port 2375";

    /** One scripted connection: the request head the client sent, then the socket's streams to play the server. */
    @FunctionalInterface
    interface Script {
        void play(String requestHead, InputStream in, OutputStream out) throws IOException;
    }

    private final List<ServerSocket> servers = new ArrayList<>();
    private final List<KubernetesClient> clients = new ArrayList<>();
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private final AtomicReference<Throwable> serverFailure = new AtomicReference<>();

    @AfterEach
    void close() throws IOException {
        for (ServerSocket s : servers) {
            s.close();
        }
        clients.forEach(KubernetesClient::close);
        assertThat(serverFailure.get()).as("the scripted server's own failure").isNull();
    }

    /** A server on loopback that plays {@code scripts} on its successive connections. */
    private ServerSocket serve(int receiveBuffer, Script... scripts) throws IOException {
        ServerSocket server = new ServerSocket();
        if (receiveBuffer > 0) {
            server.setReceiveBufferSize(receiveBuffer);
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        servers.add(server);
        Thread t = new Thread(() -> {
            for (Script script : scripts) {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    String head = readHead(in);
                    heads.add(head);
                    script.play(head, in, s.getOutputStream());
                } catch (IOException e) {
                    if (!server.isClosed()) {
                        serverFailure.compareAndSet(null, e);
                    }
                    return;
                }
            }
        }, "scripted-api-server");
        t.setDaemon(true);
        t.start();
        return server;
    }

    private DirectPortForward transport(ServerSocket server, UnaryOperator<ConfigBuilder> config) {
        return transport(server, config, TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(5),
                Duration.ofSeconds(5)));
    }

    private DirectPortForward transport(ServerSocket server, UnaryOperator<ConfigBuilder> config,
            TunnelOptions options) {
        Config c = config.apply(new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:" + server.getLocalPort() + "/")).build();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(c).build();
        clients.add(client);
        return new DirectPortForward(KubernetesClientAccess.endpoint(client), "ns", options);
    }

    @Test
    void computesTheAcceptValueOfRfc6455() {
        assertThat(DirectPortForward.expectedAccept("dGhlIHNhbXBsZSBub25jZQ=="))
                .isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void masksLikeTheByteByByteDefinitionAtAnyOffsetAndLength() {
        Random random = new Random(7);
        byte[] key = {(byte) 0x9a, 0x12, (byte) 0xf0, 0x3c};
        for (int length : new int[] {0, 1, 3, 7, 8, 9, 63, 64, 65, 4097}) {
            for (int offset : new int[] {0, 1, 5, 14}) {
                byte[] data = new byte[offset + length + 3];
                random.nextBytes(data);
                byte[] expected = data.clone();
                for (int i = 0; i < length; i++) {
                    expected[offset + i] ^= key[i & 3];
                }
                DirectStream.mask(data, offset, length, key, 0);
                assertThat(data).as("length %d at %d", length, offset).isEqualTo(expected);
            }
        }
    }

    @Test
    void theUpgradeCarriesTheClientsCredentialsImpersonationAndSubprotocol() throws Exception {
        ServerSocket server = serve(0, (head, in, out) -> {
            out.write(upgraded(head));
            out.write(frame(0x8, new byte[] {0x03, (byte) 0xe8}));
        });
        DirectPortForward transport = transport(server,
                b -> b.withOauthToken("s3cret-token").withImpersonateUsername("alice"));
        DirectStream stream = transport.open("p-0", 2375, TARGET);
        stream.receive((channel, bytes) -> { });
        stream.close();

        String head = heads.get(0);
        assertThat(head).startsWith("GET /api/v1/namespaces/ns/pods/p-0/portforward?ports=2375 HTTP/1.1\r\n");
        assertThat(head).contains("\r\nAuthorization: Bearer s3cret-token\r\n")
                .contains("\r\nImpersonate-User: alice\r\n")
                .contains("\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n")
                .contains("\r\nSec-WebSocket-Version: 13\r\n")
                .containsIgnoringCase("\r\nUpgrade: websocket\r\n")
                .contains("\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n");
    }

    @Test
    void aTokenRejectedWith401IsRenewedByTheClientsInterceptorsAndTriedOnce() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        Script refuse = (head, in, out) -> out.write(("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        Script accept = (head, in, out) -> {
            out.write(upgraded(head));
            out.write(frame(0x8, new byte[0]));
        };
        ServerSocket server = serve(0, refuse, accept);
        DirectPortForward transport = transport(server,
                b -> b.withOauthTokenProvider(() -> "token-" + asked.incrementAndGet()));
        DirectStream stream = transport.open("p-0", 2375, TARGET);
        stream.close();

        assertThat(heads).hasSize(2);
        String first = authorization(heads.get(0));
        String second = authorization(heads.get(1));
        assertThat(first).startsWith("Bearer token-");
        assertThat(second).startsWith("Bearer token-").isNotEqualTo(first);
    }

    @Test
    void passesEveryFrameShapeOnAndAnswersPings() throws Exception {
        byte[] big = new byte[70_000];
        new Random(3).nextBytes(big);
        AtomicReference<byte[]> pong = new AtomicReference<>();
        ServerSocket server = serve(0, (head, in, out) -> {
            out.write(upgraded(head));
            out.write(frame(0x2, new byte[] {0, 0x4f, 0x09}));             // port announcement, channel 0
            out.write(frame(0x2, new byte[] {1, 0x4f, 0x09}));             // and channel 1
            out.write(frame(0x2, false, new byte[] {0, 'a', 'b'}));        // first fragment
            out.write(frame(0x9, "hi".getBytes(StandardCharsets.US_ASCII))); // a ping between fragments
            out.write(frame(0x0, true, new byte[] {'c', 'd'}));            // last fragment
            out.write(frame(0x1, "text is not part of v4".getBytes(StandardCharsets.US_ASCII)));
            out.write(frame(0xA, new byte[] {1, 2}));                      // unsolicited pong
            byte[] error = new byte[1 + big.length];
            error[0] = 1;
            System.arraycopy(big, 0, error, 1, big.length);
            out.write(frame(0x2, error));                                  // 64-bit length
            out.flush();
            pong.set(readClientFrame(in));
            out.write(frame(0x8, new byte[0]));
        });
        DirectStream stream = transport(server, UnaryOperator.identity()).open("p-0", 2375, TARGET);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        stream.receive((channel, bytes) -> {
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            (channel == 0 ? data : errors).write(copy);
        });
        stream.close();

        assertThat(data.toByteArray()).containsExactly(0x4f, 0x09, 'a', 'b', 'c', 'd');
        byte[] expectedErrors = new byte[2 + big.length];
        expectedErrors[0] = 0x4f;
        expectedErrors[1] = 0x09;
        System.arraycopy(big, 0, expectedErrors, 2, big.length);
        assertThat(errors.toByteArray()).isEqualTo(expectedErrors);
        assertThat(pong.get()).as("opcode, then the unmasked payload").containsExactly(0xA, 'h', 'i');
    }

    @Test
    void framesThatArriveAFewBytesAtATimeAreReassembled() throws Exception {
        byte[] payload = new byte[300];
        new Random(11).nextBytes(payload);
        payload[0] = 0;
        byte[] key = {5, 6, 7, 8};
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.writeBytes(frame(0x2, new byte[] {0, 0x4f, 0x09}));
        frames.writeBytes(frame(0x9, "cut".getBytes(StandardCharsets.US_ASCII)));
        frames.writeBytes(maskedFrame(payload, key)); // servers do not mask, but a masked frame must still be read
        frames.writeBytes(frame(0x8, new byte[0]));
        byte[] wire = frames.toByteArray();
        AtomicReference<byte[]> pong = new AtomicReference<>();
        ServerSocket server = serve(0, (head, in, out) -> {
            out.write(upgraded(head));
            out.flush();
            for (int i = 0; i < wire.length; i += 3) {
                out.write(wire, i, Math.min(3, wire.length - i));
                out.flush();
                pause();
                if (i == 9) {
                    pong.set(readClientFrame(in)); // the ping is complete by now
                }
            }
        });
        DirectStream stream = transport(server, UnaryOperator.identity()).open("p-0", 2375, TARGET);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        stream.receive((channel, bytes) -> {
            assertThat(channel).isZero();
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            data.write(copy);
        });
        stream.close();

        byte[] expected = new byte[2 + payload.length - 1];
        expected[0] = 0x4f;
        expected[1] = 0x09;
        System.arraycopy(payload, 1, expected, 2, payload.length - 1);
        assertThat(data.toByteArray()).isEqualTo(expected);
        assertThat(pong.get()).containsExactly(0xA, 'c', 'u', 't');
    }

    private static void pause() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] maskedFrame(byte[] payload, byte[] key) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x82);
        f.write(0x80 | 126);
        f.write(payload.length >>> 8);
        f.write(payload.length & 0xFF);
        f.writeBytes(key);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ key[i & 3]);
        }
        return f.toByteArray();
    }

    @Test
    void uploadsAreMaskedBinaryFramesOnChannelZero() throws Exception {
        List<byte[]> seen = new CopyOnWriteArrayList<>();
        ServerSocket server = serve(0, (head, in, out) -> {
            out.write(upgraded(head));
            out.flush();
            seen.add(readClientFrame(in));
            seen.add(readClientFrame(in));
            out.write(frame(0x8, new byte[0]));
        });
        DirectStream stream = transport(server, UnaryOperator.identity()).open("p-0", 2375, TARGET);
        stream.send(stream.uploadBuffer().put("hello".getBytes(StandardCharsets.US_ASCII)).flip());
        byte[] large = new byte[TunnelOptions.DEFAULT_FRAME_PAYLOAD];
        new Random(5).nextBytes(large);
        ByteBuffer buffer = stream.uploadBuffer();
        assertThat(buffer.remaining()).isEqualTo(TunnelOptions.DEFAULT_FRAME_PAYLOAD);
        stream.send(buffer.put(large).flip());
        stream.receive((channel, bytes) -> { });
        stream.close();

        assertThat(seen.get(0)).containsExactly(0x2, 0, 'h', 'e', 'l', 'l', 'o');
        byte[] second = seen.get(1);
        assertThat(second).hasSize(2 + large.length);
        assertThat(second[0]).isEqualTo((byte) 0x2);
        assertThat(second[1]).isZero();
        assertThat(Arrays.copyOfRange(second, 2, second.length)).isEqualTo(large);
    }

    private static final String FORBIDDEN = "{\"kind\":\"Status\",\"status\":\"Failure\","
            + "\"details\":{\"causes\":[{\"message\":\"a nested message\"}]},\"message\":\"pods \\\"p-0\\\" is"
            + " forbidden: User \\\"ci\\\" cannot create resource \\\"pods/portforward\\\"\",\"code\":403}";

    private static Script forbidden() {
        return (head, in, out) -> out.write(("HTTP/1.1 403 Forbidden\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + FORBIDDEN.length() + "\r\n\r\n" + FORBIDDEN)
                .getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRefusalCarriesTheStatusAndTheApiServersOwnMessage() throws Exception {
        DirectPortForward transport = transport(serve(0, forbidden()), UnaryOperator.identity());

        assertThatThrownBy(() -> transport.open("p-0", 2375, TARGET))
                .isInstanceOfSatisfying(PortForwardRefusedException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.apiServerMessage())
                            .isEqualTo("pods \"p-0\" is forbidden: User \"ci\" cannot create resource \"pods/portforward\"");
                    assertThat(e.isAuthorizationRefusal()).isTrue();
                })
                .hasMessageContaining("was refused by the Kubernetes API: HTTP 403");
    }

    @Test
    void aRefusalReachesTheCallerOfOpenAsATypedValueAtOnce() throws Exception {
        ServerSocket server = serve(0, forbidden(), forbidden(), forbidden());
        ApiServerAccess access = new ApiServerAccess(java.net.URI.create("http://127.0.0.1:" + server.getLocalPort()),
                "", "", "", java.util.Map.of("Authorization", List.of("Bearer fixed")), "", false, null, "", false);

        assertThatThrownBy(() -> DockerTunnel.open(access, "ns", new SingleReplicaPodLocator("p"),
                TunnelOptions.defaults().withWarm(false).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(60))))
                .isInstanceOfSatisfying(PortForwardRefusedException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.apiServerMessage()).startsWith("pods \"p-0\" is forbidden");
                })
                .hasMessageContaining("refuses the port-forward to the Docker server of StatefulSet p (pod p-0)")
                .hasMessageContaining("docs/rbac.md");
        assertThat(heads).as("one attempt: a refusal is not retried until the ping timeout").hasSize(1);
        assertThat(heads.get(0)).contains("\r\nAuthorization: Bearer fixed\r\n");
    }

    @Test
    void aHandshakeThatDoesNotMatchTheKeyIsRefused() throws Exception {
        ServerSocket server = serve(0, (head, in, out) -> out.write(("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSByaWdodCBvbmU=\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        DirectPortForward transport = transport(server, UnaryOperator.identity());

        assertThatThrownBy(() -> transport.open("p-0", 2375, TARGET))
                .isInstanceOf(TunnelException.class)
                .hasMessageContaining("does not match the request");
    }

    @Test
    void aServerThatNeverAnswersTheUpgradeTimesOut() throws Exception {
        ServerSocket server = serve(0, (head, in, out) -> in.read());
        DirectPortForward transport = transport(server, UnaryOperator.identity(),
                TunnelOptions.defaults().withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(5)));
        long start = System.nanoTime();

        assertThatThrownBy(() -> transport.open("p-0", 2375, TARGET))
                .isInstanceOf(TunnelException.class)
                .hasMessageContaining("did not open within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anEndWithoutACloseFrameIsABreakNotAnEnd() throws Exception {
        ServerSocket server = serve(0, (head, in, out) -> {
            out.write(upgraded(head));
            out.write(frame(0x2, new byte[] {0, 'x'}));
            out.write(new byte[] {(byte) 0x82, 10, 0}); // a frame cut short
        });
        DirectStream stream = transport(server, UnaryOperator.identity()).open("p-0", 2375, TARGET);

        assertThatThrownBy(() -> stream.receive((channel, bytes) -> { }))
                .isInstanceOf(TunnelException.class)
                .hasMessageContaining("broke");
        stream.close();
    }

    @Test
    void anUploadTheServerNeverReadsFailsOnceTheStallTimeoutHasPassed() throws Exception {
        ServerSocket server = serve(4096, (head, in, out) -> {
            out.write(upgraded(head));
            out.flush();
            try {
                Thread.sleep(30_000); // reads nothing
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        DirectStream stream = transport(server, UnaryOperator.identity()).open("p-0", 2375, TARGET);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread uploader = new Thread(() -> {
            try {
                while (true) {
                    ByteBuffer buffer = stream.uploadBuffer();
                    buffer.position(buffer.limit());
                    stream.send(buffer.flip());
                }
            } catch (RuntimeException e) {
                failure.set(e);
            }
        });
        uploader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (uploader.isAlive() && System.nanoTime() < deadline) {
            stream.checkStall(System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(200));
            uploader.join(50);
        }

        assertThat(uploader.isAlive()).as("the upload still blocked").isFalse();
        assertThat(failure.get()).isInstanceOf(TunnelException.class)
                .hasMessageContaining("accepted no data for");
    }

    @Test
    void aPingIsAnsweredWithoutHoldingUpDownloadsBehindABlockedUpload() throws Exception {
        java.util.concurrent.CountDownLatch uploadBlocked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch delivered = new java.util.concurrent.CountDownLatch(1);
        AtomicReference<byte[]> pong = new AtomicReference<>();
        ServerSocket server = serve(16 * 1024, (head, in, out) -> {
            out.write(upgraded(head));
            out.write(frame(0x2, new byte[] {0, 0x4f, 0x09}));
            out.write(frame(0x2, new byte[] {1, 0x4f, 0x09}));
            out.flush();
            await(uploadBlocked);
            out.write(frame(0x9, "hi".getBytes(StandardCharsets.US_ASCII)));
            out.write(frame(0x2, new byte[] {0, 'd', 'o', 'w', 'n'}));
            out.flush();
            await(delivered); // only now is the upload read: before, nothing could have freed the socket
            for (long read = 0; pong.get() == null && read < (256L << 20); ) {
                byte[] f = readClientFrame(in);
                read += f.length;
                if (f[0] == 0xA) {
                    pong.set(Arrays.copyOfRange(f, 1, f.length));
                }
            }
            out.write(frame(0x8, new byte[0]));
            out.flush();
        });
        DirectStream stream = transport(server, UnaryOperator.identity()).open("p-0", 2375, TARGET);
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread uploader = new Thread(() -> {
            while (!stop.get()) {
                ByteBuffer buffer = stream.uploadBuffer();
                buffer.position(buffer.limit());
                stream.send(buffer.flip());
                sent.incrementAndGet();
            }
        }, "blocked-uploader");
        uploader.setDaemon(true);
        uploader.start();
        awaitUnchanged(sent); // the server reads nothing: the upload fills the socket and blocks holding it
        uploadBlocked.countDown();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Thread receiver = new Thread(() -> {
            try {
                stream.receive((channel, bytes) -> {
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    if (channel == 0) {
                        synchronized (data) {
                            data.write(copy);
                            if (data.toString(StandardCharsets.US_ASCII).endsWith("down")) {
                                delivered.countDown(); // what the server sent after its ping
                            }
                        }
                    }
                });
            } catch (IOException | RuntimeException e) {
                // ends with the close frame
            }
        }, "receiver");
        receiver.setDaemon(true);
        receiver.start();

        assertThat(delivered.await(20, TimeUnit.SECONDS)).as("data after the ping delivered while the upload is"
                + " blocked").isTrue();
        stop.set(true);
        uploader.join(20_000);
        receiver.join(20_000);
        assertThat(pong.get()).as("the ping was answered once the socket was free").isEqualTo(
                "hi".getBytes(StandardCharsets.US_ASCII));
        synchronized (data) {
            assertThat(data.toString(StandardCharsets.ISO_8859_1)).isEqualTo("\u004f\u0009down"); // announcement, then data
        }
        stream.close();
    }

    @Test
    void aStreamOnWhichNothingArrivesSendsKeepAlivePings() throws Exception {
        AtomicReference<byte[]> first = new AtomicReference<>();
        AtomicReference<byte[]> second = new AtomicReference<>();
        ServerSocket server = serve(0, (head, in, out) -> {
            out.write(upgraded(head));
            out.write(frame(0x2, new byte[] {0, 0x4f, 0x09}));
            out.write(frame(0x2, new byte[] {1, 0x4f, 0x09}));
            out.flush();
            first.set(readClientFrame(in));
            second.set(readClientFrame(in));
            out.write(frame(0x8, new byte[0]));
            out.flush();
        });
        DirectStream stream = transport(server, UnaryOperator.identity(), TunnelOptions.defaults()
                .withKeepAliveInterval(Duration.ofMillis(200))).open("p-0", 2375, TARGET);

        stream.receive((channel, bytes) -> { });

        assertThat(first.get()[0]).as("opcode of the first frame the client sent").isEqualTo((byte) 0x9);
        assertThat(second.get()[0]).as("opcode of the second").isEqualTo((byte) 0x9);
        stream.close();
    }

    private static void await(java.util.concurrent.CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IOException("the test did not get there within 30 s");
            }
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    /** Waits (bounded) until {@code counter} has not moved for half a second. */
    private static void awaitUnchanged(java.util.concurrent.atomic.AtomicLong counter) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now = counter.get();
            if (now == last && now > 0) {
                return;
            }
            last = now;
            Thread.sleep(500);
        }
        throw new AssertionError("the upload never blocked");
    }

    @Test
    void aClientBehindAnHttpProxyReachesTheServerWithConnectAndTheProxysCredentials() throws Exception {
        ServerSocket server = serve(0, (head, in, out) -> {
            out.write(upgraded(head));
            out.write(frame(0x8, new byte[0]));
        });
        List<String> connects = new CopyOnWriteArrayList<>();
        ServerSocket proxy = connectProxy(connects);
        DirectPortForward transport = transport(server, b -> b.withHttpProxy("http://127.0.0.1:" + proxy.getLocalPort())
                .withProxyUsername("squid").withProxyPassword("pw"));

        transport.open("p-0", 2375, TARGET).close();

        assertThat(connects).hasSize(1);
        assertThat(connects.get(0)).startsWith("CONNECT 127.0.0.1:" + server.getLocalPort() + " HTTP/1.1\r\n")
                .contains("\r\nProxy-Authorization: Basic c3F1aWQ6cHc=\r\n");
        assertThat(heads).hasSize(1);
        assertThat(heads.get(0)).doesNotContain("Proxy-Authorization");
    }

    @Test
    void anAccessWithASocks5ProxyReachesTheServerThroughIt() throws Exception {
        ServerSocket server = serve(0, (head, in, out) -> {
            out.write(upgraded(head));
            out.write(frame(0x8, new byte[0]));
        });
        List<String> targets = new CopyOnWriteArrayList<>();
        ServerSocket proxy = socks5Proxy(targets);
        ApiServerAccess access = new ApiServerAccess(java.net.URI.create("http://127.0.0.1:" + server.getLocalPort()),
                "", "", "", java.util.Map.of(), "", false,
                java.net.URI.create("socks5://127.0.0.1:" + proxy.getLocalPort()), "", false);
        DirectPortForward transport = new DirectPortForward(new ApiServerEndpoint(access,
                ApiServerCredentials.fixed(access)), "ns", TunnelOptions.defaults());

        transport.open("p-0", 2375, TARGET).close();

        assertThat(targets).containsExactly("127.0.0.1:" + server.getLocalPort());
        assertThat(heads).hasSize(1);
    }

    /** A SOCKS5 proxy on loopback (no authentication, CONNECT only) that records each target it is asked for. */
    private ServerSocket socks5Proxy(List<String> targets) throws IOException {
        ServerSocket proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        servers.add(proxy);
        Thread t = new Thread(() -> {
            while (!proxy.isClosed()) {
                try {
                    Socket client = proxy.accept();
                    java.io.DataInputStream in = new java.io.DataInputStream(client.getInputStream());
                    OutputStream out = client.getOutputStream();
                    in.readUnsignedByte(); // version 5
                    in.readNBytes(in.readUnsignedByte()); // the methods offered
                    out.write(new byte[] {5, 0}); // no authentication
                    in.readNBytes(3); // version, CONNECT, reserved
                    int type = in.readUnsignedByte();
                    String host = type == 3 ? new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.US_ASCII)
                            : InetAddress.getByAddress(in.readNBytes(type == 1 ? 4 : 16)).getHostAddress();
                    int port = in.readUnsignedShort();
                    targets.add(host + ":" + port);
                    Socket upstream = new Socket(host, port);
                    out.write(new byte[] {5, 0, 0, 1, 0, 0, 0, 0, 0, 0});
                    pipe(client, upstream);
                    pipe(upstream, client);
                } catch (IOException e) {
                    return;
                }
            }
        }, "socks5-proxy");
        t.setDaemon(true);
        t.start();
        return proxy;
    }

    @Test
    void aServerInTheNoProxyListIsReachedDirectly() throws Exception {
        ServerSocket server = serve(0, (head, in, out) -> {
            out.write(upgraded(head));
            out.write(frame(0x8, new byte[0]));
        });
        List<String> connects = new CopyOnWriteArrayList<>();
        ServerSocket proxy = connectProxy(connects);
        DirectPortForward transport = transport(server, b -> b.withHttpProxy("http://127.0.0.1:" + proxy.getLocalPort())
                .withNoProxy("127.0.0.1"));

        transport.open("p-0", 2375, TARGET).close();

        assertThat(heads).hasSize(1);
        assertThat(connects).isEmpty();
    }

    /** An HTTP proxy on loopback that answers CONNECT and then passes bytes both ways; records each CONNECT head. */
    private ServerSocket connectProxy(List<String> connects) throws IOException {
        ServerSocket proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        servers.add(proxy);
        Thread t = new Thread(() -> {
            while (!proxy.isClosed()) {
                try {
                    Socket client = proxy.accept();
                    String head = readHead(client.getInputStream());
                    connects.add(head);
                    String[] target = head.split(" ")[1].split(":");
                    Socket upstream = new Socket(target[0], Integer.parseInt(target[1]));
                    client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    pipe(client, upstream);
                    pipe(upstream, client);
                } catch (IOException e) {
                    return;
                }
            }
        }, "connect-proxy");
        t.setDaemon(true);
        t.start();
        return proxy;
    }

    private static void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try (from; to) {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // one side ended
            }
        }, "connect-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    // --- the scripted server's side of the protocol

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the client closed before the end of its request");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] upgraded(String head) {
        return upgraded(head, PortForwardConnection.SUBPROTOCOL);
    }

    /** The server's 101 answer to the upgrade in {@code head}, choosing {@code protocol}. */
    static byte[] upgraded(String head, String protocol) {
        String key = head.lines().filter(l -> l.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18))
                .map(l -> l.substring(18).trim()).findFirst().orElseThrow();
        return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + DirectPortForward.expectedAccept(key) + "\r\n"
                + "Sec-WebSocket-Protocol: " + protocol + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String authorization(String head) {
        return head.lines().filter(l -> l.startsWith("Authorization: ")).map(l -> l.substring(15)).findFirst()
                .orElse("");
    }

    static byte[] frame(int opcode, byte[] payload) {
        return frame(opcode, true, payload);
    }

    /** A server frame: never masked, with the shortest length encoding. */
    private static byte[] frame(int opcode, boolean fin, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | opcode);
        int n = payload.length;
        if (n <= 125) {
            f.write(n);
        } else if (n <= 0xFFFF) {
            f.write(126);
            f.write(n >>> 8);
            f.write(n & 0xFF);
        } else {
            f.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                f.write((int) (((long) n >>> shift) & 0xFF));
            }
        }
        f.writeBytes(payload);
        return f.toByteArray();
    }

    /** Reads one client frame, checks that it is final and masked, and returns its opcode then its payload. */
    static byte[] readClientFrame(InputStream in) throws IOException {
        int b0 = in.read();
        int b1 = in.read();
        if (b0 < 0 || b1 < 0) {
            throw new IOException("no frame");
        }
        if ((b0 & 0x80) == 0 || (b1 & 0x80) == 0) {
            throw new IOException("a client frame must be final here and masked: " + b0 + " " + b1);
        }
        long n = b1 & 0x7F;
        if (n == 126) {
            n = ((long) in.read() << 8) | in.read();
        } else if (n == 127) {
            n = 0;
            for (int i = 0; i < 8; i++) {
                n = (n << 8) | in.read();
            }
        }
        byte[] key = in.readNBytes(4);
        byte[] payload = in.readNBytes((int) n);
        byte[] result = new byte[1 + payload.length];
        result[0] = (byte) (b0 & 0x0F);
        for (int i = 0; i < payload.length; i++) {
            result[1 + i] = (byte) (payload[i] ^ key[i & 3]);
        }
        return result;
    }
}
