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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SPDY session against a scripted kubelet that speaks the frames Kubernetes' port-forward server speaks, inside
 * websocket messages cut where the test says. The real API server and kubelet are in TunnelThroughApiServerIT.
 */
class SpdySessionTest {
    private static final String TARGET = "pod ns/p-0 port 2375";
    private static final int SYN_STREAM = 1;
    private static final int SYN_REPLY = 2;
    private static final int RST_STREAM = 3;
    private static final int PING = 6;
    private static final int GOAWAY = 7;

    private ServerSocket server;
    private KubernetesClient client;
    private SpdySession session;
    private Kubelet kubelet;
    private String upgradeHead;

    @BeforeEach
    void open() throws Exception {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = server.accept();
                upgradeHead = DirectPortForwardTest.readHead(s.getInputStream());
                s.getOutputStream().write(DirectPortForwardTest.upgraded(upgradeHead, SpdySession.SUBPROTOCOL));
                return s;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:" + server.getLocalPort() + "/").build();
        client = new KubernetesClientBuilder().withConfig(config).build();
        TunnelOptions options = TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
        DirectStream socket = new DirectPortForward(KubernetesClientAccess.endpoint(client), "ns", options)
                .openSessionOrStream("p-0", 2375, TARGET);
        assertThat(socket.channelled()).as("the server chose SPDY").isFalse();
        session = SpdySession.start(socket, "p-0", 2375, TARGET, options, "kpe-tunnel-test-session1");
        kubelet = new Kubelet(accepted.get(5, TimeUnit.SECONDS));
    }

    @AfterEach
    void close() throws IOException {
        if (session != null) {
            session.close();
        }
        if (client != null) {
            client.close();
        }
        server.close();
    }

    @Test
    void theUpgradeOffersSpdyFirstAndTheChannelProtocolAsTheFallback() {
        assertThat(upgradeHead).contains("Sec-WebSocket-Protocol: " + SpdySession.SUBPROTOCOL + ", "
                + PortForwardConnection.SUBPROTOCOL + "\r\n");
    }

    @Test
    void aStreamPairOpensWithTheHeadersTheKubeletPairsAndItsDataFollowsWithoutWaitingForAReply() throws Exception {
        for (int request = 0; request < 2; request++) {
            SpdySession.Stream stream = session.open();
            send(stream, "GET /_ping " + request);

            Frame error = kubelet.next();
            assertThat(error.type()).isEqualTo(SYN_STREAM);
            assertThat(error.flags()).as("flags of the error stream's opening").isZero();
            assertThat(kubelet.headers(error)).containsExactly(Map.entry("streamtype", "error"),
                    Map.entry("port", "2375"), Map.entry("requestid", Integer.toString(request)));
            Frame errorFin = kubelet.next();
            assertThat(errorFin.control()).isFalse();
            assertThat(errorFin.streamId()).isEqualTo(error.streamId());
            assertThat(errorFin.flags()).as("the error stream is closed for sending at once").isEqualTo(1);
            assertThat(errorFin.body()).isEmpty();
            Frame data = kubelet.next();
            assertThat(data.type()).isEqualTo(SYN_STREAM);
            assertThat(data.streamId()).isEqualTo(error.streamId() + 2);
            assertThat(kubelet.headers(data)).containsExactly(Map.entry("streamtype", "data"),
                    Map.entry("port", "2375"), Map.entry("requestid", Integer.toString(request)));
            Frame payload = kubelet.next();
            assertThat(payload.streamId()).isEqualTo(data.streamId());
            assertThat(new String(payload.body(), StandardCharsets.US_ASCII)).isEqualTo("GET /_ping " + request);
            assertThat(error.streamId()).isEqualTo(1 + 4 * request);
        }
        assertThat(session.openStreams()).isEqualTo(2);
    }

    @Test
    void framesCutAcrossMessagesOrSharingOneArriveWholeAndInOrder() throws Exception {
        SpdySession.Stream stream = session.open();
        kubelet.skipOpening();
        byte[] hello = data(3, 0, "hel");
        kubelet.send(concat(control(SYN_REPLY, 0, 1, new byte[] {0x78, 0x01}), java.util.Arrays.copyOf(hello, 5)));
        kubelet.send(java.util.Arrays.copyOfRange(hello, 5, hello.length),
                data(3, 0, "lo"), data(1, 0, "a kubelet error"), data(3, 1, ""), data(1, 1, ""));
        Received got = receiveAll(stream);
        assertThat(got.data()).isEqualTo("hello");
        assertThat(got.errors()).isEqualTo("a kubelet error");
    }

    @Test
    void theKubeletsErrorWrittenAfterItEndedTheDataStreamStillReachesTheConnection() throws Exception {
        SpdySession.Stream stream = session.open();
        kubelet.skipOpening();
        // what the kubelet does when it cannot reach the pod's port: data stream closed first, then the error
        kubelet.send(data(3, 1, ""));
        kubelet.send(data(1, 0, "error forwarding port 2375"), rst(1, 5));
        assertThat(receiveAll(stream).errors()).isEqualTo("error forwarding port 2375");
    }

    @Test
    void theKubeletsOwnPingIsAnsweredWithItsId() throws Exception {
        kubelet.send(control(PING, 0, 2, new byte[0]));
        Frame answer = kubelet.next();
        assertThat(answer.type()).isEqualTo(PING);
        assertThat(answer.streamId()).as("the ping id").isEqualTo(2);
    }

    @Test
    void aResetOtherThanCancelFailsTheStreamWithItsStatus() throws Exception {
        SpdySession.Stream stream = session.open();
        kubelet.skipOpening();
        kubelet.send(rst(3, 1));
        assertThatThrownBy(() -> receiveAll(stream)).isInstanceOf(TunnelException.class)
                .hasMessageContaining("the kubelet reset the port-forward to " + TARGET + " (SPDY status 1)");
    }

    @Test
    void closingAStreamBeforeItsEndResetsBothOfItsStreamsAndTheSessionGoesOn() throws Exception {
        SpdySession.Stream stream = session.open();
        kubelet.skipOpening();
        stream.close();
        Frame first = kubelet.next();
        Frame second = kubelet.next();
        assertThat(first.type()).isEqualTo(RST_STREAM);
        assertThat(first.streamId()).isEqualTo(3);
        assertThat(ByteBuffer.wrap(first.body(), 4, 4).getInt()).as("status CANCEL").isEqualTo(5);
        assertThat(second.type()).isEqualTo(RST_STREAM);
        assertThat(second.streamId()).isEqualTo(1);
        assertThat(session.openStreams()).isZero();
        assertThat(session.acceptsStreams()).isTrue();
    }

    @Test
    void aStreamThatFailedBeforeAnyAnswerLeavesTheSessionToItsOtherStreamsAndTheSessionClosesAfterThem()
            throws Exception {
        SpdySession.Stream other = session.open();
        kubelet.skipOpening();
        SpdySession.Stream failed = session.open();
        kubelet.skipOpening();
        failed.failedBeforeAnswer();
        assertThat(session.acceptsStreams()).as("a session that may lead to a replaced pod").isFalse();
        failed.close();
        kubelet.send(data(3, 0, "the other goes on"), data(3, 1, ""), data(1, 1, ""));
        assertThat(receiveAll(other).data()).isEqualTo("the other goes on");
        other.close();
        awaitTrue(session::isClosed);
    }

    @Test
    void closingAStreamNeverWaitsForTheSocketWhileAnUploadOnAnotherHoldsIt() throws Exception {
        SpdySession.Stream uploading = session.open();
        SpdySession.Stream other = session.open();
        kubelet.skipOpening();
        kubelet.skipOpening();
        // the kubelet reads nothing more: the upload fills the socket's buffers and blocks holding the socket
        Thread upload = new Thread(() -> {
            try {
                while (true) {
                    ByteBuffer up = uploading.uploadBuffer();
                    up.position(up.limit()).flip();
                    uploading.send(up);
                }
            } catch (TunnelException e) {
                // the session was closed at the end of the test
            }
        }, "blocked-upload");
        upload.setDaemon(true);
        upload.start();
        awaitTrue(() -> upload.getState() == Thread.State.RUNNABLE && stackHasWrite(upload));
        Thread.sleep(300);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(other::close);
        closing.get(2, TimeUnit.SECONDS); // the housekeeping thread closes connections this way: it must not block
        assertThat(session.openStreams()).isEqualTo(1);
        session.close();
        upload.join(5000);
        assertThat(upload.isAlive()).isFalse();
    }

    private static boolean stackHasWrite(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().contains("write")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void afterAGoAwayOpenStreamsFinishButNoNewOneIsOpened() throws Exception {
        SpdySession.Stream stream = session.open();
        kubelet.skipOpening();
        kubelet.send(control(GOAWAY, 0, 3, new byte[4]), data(3, 0, "still here"), data(3, 1, ""), data(1, 1, ""));
        assertThat(receiveAll(stream).data()).isEqualTo("still here");
        assertThat(session.acceptsStreams()).isFalse();
        assertThatThrownBy(session::open).isInstanceOf(TunnelException.class)
                .hasMessageContaining("takes no new connections");
    }

    @Test
    void aSessionWhoseConnectionEndsFailsItsStreamsWithTheCause() throws Exception {
        SpdySession.Stream stream = session.open();
        kubelet.skipOpening();
        kubelet.socket.close();
        assertThatThrownBy(() -> receiveAll(stream)).isInstanceOf(TunnelException.class)
                .hasMessageContaining("the Kubernetes API closed the connection");
        assertThat(session.acceptsStreams()).isFalse();
    }

    @Test
    void aStreamFinishedBothWaysLeavesTheSessionWithoutStreams() throws Exception {
        SpdySession.Stream stream = session.open();
        kubelet.skipOpening();
        stream.finishSending();
        Frame fin = kubelet.next();
        assertThat(fin.streamId()).isEqualTo(3);
        assertThat(fin.flags()).isEqualTo(1);
        kubelet.send(data(3, 1, ""), data(1, 1, ""));
        receiveAll(stream);
        awaitTrue(() -> session.openStreams() == 0);
    }

    private static void send(SpdySession.Stream stream, String text) {
        ByteBuffer up = stream.uploadBuffer();
        up.put(text.getBytes(StandardCharsets.US_ASCII)).flip();
        stream.send(up);
    }

    private record Received(String data, String errors) {
    }

    private static Received receiveAll(SpdySession.Stream stream) throws IOException {
        StringBuilder data = new StringBuilder();
        StringBuilder errors = new StringBuilder();
        stream.receive((channel, bytes) -> (channel == 0 ? data : errors)
                .append(StandardCharsets.US_ASCII.decode(bytes)));
        return new Received(data.toString(), errors.toString());
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 5 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static byte[] control(int type, int flags, int firstWord, byte[] rest) {
        return ByteBuffer.allocate(12 + rest.length).putShort((short) 0x8003).putShort((short) type)
                .putInt((flags << 24) | (4 + rest.length)).putInt(firstWord).put(rest).array();
    }

    private static byte[] rst(int streamId, int status) {
        return control(RST_STREAM, 0, streamId, ByteBuffer.allocate(4).putInt(status).array());
    }

    private static byte[] data(int streamId, int flags, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + bytes.length).putInt(streamId).putInt((flags << 24) | bytes.length).put(bytes)
                .array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A SPDY frame the client sent: for a control frame, {@code streamId} is the body's first word. */
    private record Frame(boolean control, int type, int flags, int streamId, byte[] body) {
    }

    /** The kubelet's end of the websocket, as the test plays it. */
    private static final class Kubelet {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final Inflater headers = new Inflater();
        private byte[] pending = new byte[0];

        Kubelet(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            socket.setSoTimeout(5000);
        }

        /** Sends one websocket message holding {@code parts}. */
        void send(byte[]... parts) throws IOException {
            out.write(DirectPortForwardTest.frame(0x2, concat(parts)));
            out.flush();
        }

        /** Reads the four frames of a stream pair's opening. */
        void skipOpening() throws IOException {
            for (int i = 0; i < 3; i++) {
                Frame f = next();
                if (f.type() == SYN_STREAM) {
                    headers(f);
                }
            }
        }

        Frame next() throws IOException {
            fill(8);
            ByteBuffer h = ByteBuffer.wrap(pending, 0, 8);
            int first = h.getInt();
            int flagsAndLength = h.getInt();
            int length = flagsAndLength & 0xFFFFFF;
            fill(8 + length);
            byte[] body = java.util.Arrays.copyOfRange(pending, 8, 8 + length);
            pending = java.util.Arrays.copyOfRange(pending, 8 + length, pending.length);
            boolean control = first < 0;
            int streamId = control ? (body.length >= 4 ? ByteBuffer.wrap(body).getInt() & 0x7FFFFFFF : 0) : first;
            return new Frame(control, control ? first & 0xFFFF : -1, flagsAndLength >>> 24, streamId, body);
        }

        /** The name-value pairs of a stream opening, inflated in the session's one zlib stream. */
        Map<String, String> headers(Frame synStream) throws IOException {
            byte[] block = java.util.Arrays.copyOfRange(synStream.body(), 10, synStream.body().length);
            headers.setInput(block);
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            byte[] buffer = new byte[1024];
            try {
                int n;
                while ((n = headers.inflate(buffer)) > 0) {
                    plain.write(buffer, 0, n);
                }
            } catch (DataFormatException e) {
                throw new IOException(e);
            }
            assertThat(headers.needsDictionary()).as("compressed without the preset dictionary").isFalse();
            ByteBuffer b = ByteBuffer.wrap(plain.toByteArray());
            Map<String, String> pairs = new LinkedHashMap<>();
            int count = b.getInt();
            for (int i = 0; i < count; i++) {
                byte[] name = new byte[b.getInt()];
                b.get(name);
                byte[] value = new byte[b.getInt()];
                b.get(value);
                pairs.put(new String(name, StandardCharsets.US_ASCII), new String(value, StandardCharsets.US_ASCII));
            }
            assertThat(b.hasRemaining()).as("bytes after the pairs").isFalse();
            return pairs;
        }

        private void fill(int needed) throws IOException {
            while (pending.length < needed) {
                byte[] frame = DirectPortForwardTest.readClientFrame(in);
                if (frame[0] != 0x2) {
                    continue; // keep-alive pings and the like
                }
                pending = concat(pending, java.util.Arrays.copyOfRange(frame, 1, frame.length));
            }
        }
    }
}
