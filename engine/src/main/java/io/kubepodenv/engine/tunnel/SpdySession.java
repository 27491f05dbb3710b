package io.kubepodenv.engine.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.Deflater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many port-forwards to one pod on one websocket: Kubernetes' SPDY/3.1 port-forward protocol
 * ({@code portforward.k8s.io}) tunnelled through a websocket ({@value #SUBPROTOCOL}), as {@code kubectl port-forward}
 * has done since Kubernetes 1.31. A new local connection costs two stream openings in one message on a connection that
 * is already there, instead of a TCP and TLS connection and an upgrade through the API server to the kubelet.
 *
 * <p>Each local connection gets a {@link Stream}: a SPDY stream pair sharing a request id, "error" (which we close
 * for sending at once) and "data". The data is sent without waiting for the kubelet's replies: the kubelet handles a
 * stream's frames in order, and it replies before it reads the data that follows.
 *
 * <p>What the kubelet sends is read by one thread per session and put in the inbox of the stream it belongs to, which
 * the stream's connection empties; an inbox holds at most {@link #INBOX_LIMIT} bytes. SPDY as Kubernetes speaks it
 * has no per-stream flow control, so a full inbox makes the reader wait, which holds up the other streams too: a
 * connection whose client reads nothing for the stall timeout ({@link #HOLD_UP_LIMIT} at most) is therefore reset,
 * and the others go on.
 *
 * <p>Header blocks we send are compressed without SPDY's preset dictionary (zlib says so in its header, and the
 * kubelet's reader accepts it); the header blocks the kubelet sends (empty replies) are skipped unread.
 */
final class SpdySession {
    static final String SUBPROTOCOL = "SPDY/3.1+portforward.k8s.io";

    /** Data a connection has not passed on yet, at most, before the session waits for it. */
    static final int INBOX_LIMIT = 4 << 20;

    /**
     * How long one connection whose client reads nothing may hold up the others, at most (less when the stall timeout
     * is shorter); then it is reset.
     */
    static final java.time.Duration HOLD_UP_LIMIT = java.time.Duration.ofSeconds(20);

    private static final Logger LOG = LoggerFactory.getLogger(SpdySession.class);
    private static final int FRAME_HEADER = 8;
    private static final int ROOM = DirectStream.HEADROOM + FRAME_HEADER;
    private static final int LARGEST_DATA = 0xFFFFFF;
    private static final int LARGEST_CONTROL = 1 << 20;
    private static final int SYN_STREAM = 1;
    private static final int RST_STREAM = 3;
    private static final int PING = 6;
    private static final int GOAWAY = 7;
    private static final int FLAG_FIN = 0x01;
    private static final int STATUS_CANCEL = 5;
    /** Streams are opened two at a time with odd ids; the last pair must stay below 2^31. */
    private static final int LAST_STREAM_ID = Integer.MAX_VALUE - 4;

    private final DirectStream socket;
    private final String pod;
    private final int port;
    private final String target;
    private final int maxPayload;
    private final long stallNanos;
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    private final ReentrantLock openLock = new ReentrantLock();
    private final Deflater compressor = new Deflater();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread reader;
    /**
     * Sends the session's control frames (stream resets, ping answers), so that no caller ever waits on the socket
     * for them: a connection closed by the tunnel's housekeeping thread, or the reader answering a ping, while an
     * upload holds the socket or the API server reads nothing. A stuck send is failed by the stall check.
     */
    private final Thread controlSender;
    private final java.util.concurrent.LinkedBlockingQueue<byte[]> controls =
            new java.util.concurrent.LinkedBlockingQueue<>();
    private int nextStreamId = 1;
    private int nextRequestId;
    private volatile boolean goneAway;
    private volatile boolean retired;
    private volatile String failure;
    private volatile long idleSinceNanos = System.nanoTime();

    // Only touched by the reader thread: the frame being read.
    private final byte[] head = new byte[FRAME_HEADER];
    private int headLength;
    private byte[] control;
    private int controlLength;
    private int controlType;
    private int dataLeft;
    private Stream dataFor;
    private int dataChannel;
    private boolean dataFin;

    private SpdySession(DirectStream socket, String pod, int port, String target, TunnelOptions options,
            String threadName) {
        this.socket = socket;
        this.pod = pod;
        this.port = port;
        this.target = target;
        this.maxPayload = Math.min(options.maxFramePayload(), LARGEST_DATA);
        this.stallNanos = Math.min(options.sendStallTimeout().toNanos(), HOLD_UP_LIMIT.toNanos());
        this.reader = new Thread(this::read, threadName);
        reader.setDaemon(true);
        this.controlSender = new Thread(this::sendControls, threadName + "-control");
        controlSender.setDaemon(true);
    }

    /**
     * Starts a session on {@code socket}, a websocket whose upgrade chose {@value #SUBPROTOCOL}; its reader thread is
     * named {@code threadName}.
     */
    static SpdySession start(DirectStream socket, String pod, int port, String target, TunnelOptions options,
            String threadName) {
        if (socket.channelled()) {
            throw new IllegalArgumentException("a SPDY session needs a websocket that tunnels SPDY");
        }
        SpdySession session = new SpdySession(socket, pod, port, target, options, threadName);
        session.reader.start();
        session.controlSender.start();
        return session;
    }

    String pod() {
        return pod;
    }

    /** Whether a new stream may be opened here: not closed, not told to go away, stream ids left. */
    boolean acceptsStreams() {
        return !closed.get() && !goneAway && !retired && nextStreamId < LAST_STREAM_ID;
    }

    /** Streams open now. */
    int openStreams() {
        return streams.size() / 2;
    }

    /**
     * Opens a port-forward to the session's port: the stream pair's openings go out at once; whether the pod's port
     * answers shows in what the stream then receives.
     *
     * @throws TunnelException if the session is closed or its connection broke
     */
    Stream open() {
        openLock.lock();
        try {
            if (!acceptsStreams()) {
                throw new TunnelException("the port-forward session to " + target + " takes no new connections"
                        + (failure == null ? "" : ": " + failure));
            }
            int errorId = nextStreamId;
            int dataId = errorId + 2;
            nextStreamId += 4;
            String requestId = Integer.toString(nextRequestId++);
            byte[] error = synStream(errorId, 0, headerBlock("error", requestId));
            byte[] data = synStream(dataId, 0, headerBlock("data", requestId));
            Stream stream = new Stream(dataId, errorId);
            streams.put(dataId, stream);
            streams.put(errorId, stream);
            byte[] message = new byte[DirectStream.HEADROOM + error.length + FRAME_HEADER + data.length];
            ByteBuffer.wrap(message, DirectStream.HEADROOM, message.length - DirectStream.HEADROOM)
                    .put(error).putInt(errorId).putInt(FLAG_FIN << 24).put(data);
            try {
                socket.sendMessage(message, DirectStream.HEADROOM, message.length - DirectStream.HEADROOM);
            } catch (TunnelException e) {
                forget(stream);
                throw e;
            }
            return stream;
        } finally {
            openLock.unlock();
        }
    }

    /** The name-value block of a stream opening, compressed in the session's one zlib stream. */
    private byte[] headerBlock(String streamType, String requestId) {
        String[][] pairs = {{"streamtype", streamType}, {"port", Integer.toString(port)}, {"requestid", requestId}};
        ByteBuffer plain = ByteBuffer.allocate(256);
        plain.putInt(pairs.length);
        for (String[] pair : pairs) {
            for (String s : pair) {
                byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
                plain.putInt(bytes.length).put(bytes);
            }
        }
        compressor.setInput(plain.array(), 0, plain.position());
        byte[] out = new byte[plain.position() + 64];
        int n = 0;
        while (true) {
            n += compressor.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
            if (n < out.length) {
                break;
            }
            out = java.util.Arrays.copyOf(out, out.length * 2);
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static byte[] synStream(int streamId, int flags, byte[] headers) {
        ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER + 10 + headers.length);
        frame.putShort((short) 0x8003).putShort((short) SYN_STREAM);
        frame.putInt((flags << 24) | (10 + headers.length));
        frame.putInt(streamId).putInt(0).put((byte) 0).put((byte) 0).put(headers);
        return frame.array();
    }

    /** Queues a control frame of 8 payload bytes for the control sender. */
    private void sendControl(int type, int first, int second) {
        byte[] message = new byte[ROOM + 8];
        ByteBuffer.wrap(message, DirectStream.HEADROOM, FRAME_HEADER + 8)
                .putShort((short) 0x8003).putShort((short) type).putInt(8).putInt(first).putInt(second);
        controls.add(message);
    }

    private void sendControls() {
        try {
            while (!closed.get()) {
                byte[] message = controls.poll(1, TimeUnit.SECONDS);
                if (message != null && !closed.get()) {
                    socket.sendMessage(message, DirectStream.HEADROOM, message.length - DirectStream.HEADROOM);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TunnelException e) {
            LOG.debug("{}: control frames no longer sent: {}", target, e.getMessage());
        }
    }

    private void forget(Stream stream) {
        streams.remove(stream.dataId, stream);
        streams.remove(stream.errorId, stream);
        if (streams.isEmpty()) {
            idleSinceNanos = System.nanoTime();
            if (retired) {
                close();
            }
        }
    }

    /** No new streams; the session closes once its last stream has ended. */
    void retire() {
        retired = true;
        if (streams.isEmpty()) {
            close();
        }
    }

    /** Whether no stream has been open for {@code nanos} (as of {@code nowNanos}). */
    boolean idleFor(long nanos, long nowNanos) {
        return streams.isEmpty() && nowNanos - idleSinceNanos >= nanos;
    }

    /** Fails the whole session if a send has waited longer than {@code stallNanos}: its connection is stuck. */
    void checkStall(long nowNanos, long stallNanos) {
        socket.checkStall(nowNanos, stallNanos);
    }

    /** Ends the session and every stream on it; idempotent. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            socket.close();
            controlSender.interrupt();
            endStreams();
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Waits (bounded) for the session's threads to end. */
    boolean awaitThreads(long deadlineNanos) throws InterruptedException {
        controlSender.interrupt();
        TimeUnit.NANOSECONDS.timedJoin(reader, Math.max(1, deadlineNanos - System.nanoTime()));
        TimeUnit.NANOSECONDS.timedJoin(controlSender, Math.max(1, deadlineNanos - System.nanoTime()));
        return !reader.isAlive() && !controlSender.isAlive();
    }

    private void read() {
        String why;
        try {
            socket.receive(this::parse);
            why = "the Kubernetes API closed the port-forward session to " + target;
        } catch (TunnelException e) {
            why = e.getMessage();
        } catch (IOException e) {
            why = "the port-forward session to " + target + " broke: " + e.getMessage();
        }
        if (!closed.get()) {
            LOG.debug("{}", why);
            failure = why; // the cause, for the streams; a session closed on purpose has none
        }
        close();
    }

    /** Ends every stream, with the session's failure if it broke; called once the session is closed. */
    private void endStreams() {
        String reason = failure;
        for (Stream s : streams.values()) {
            s.sessionEnded(reason);
        }
    }

    /** Walks the frames in what the websocket delivered; frames may be split across deliveries or share one. */
    private void parse(int channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            if (dataLeft > 0) {
                int n = Math.min(dataLeft, bytes.remaining());
                if (dataFor != null) {
                    dataFor.arrived(dataChannel, bytes, n);
                }
                bytes.position(bytes.position() + n);
                dataLeft -= n;
                if (dataLeft == 0) {
                    endOfData();
                }
            } else if (control != null) {
                int n = Math.min(control.length - controlLength, bytes.remaining());
                bytes.get(control, controlLength, n);
                controlLength += n;
                if (controlLength == control.length) {
                    handleControl();
                }
            } else {
                int n = Math.min(FRAME_HEADER - headLength, bytes.remaining());
                bytes.get(head, headLength, n);
                headLength += n;
                if (headLength == FRAME_HEADER) {
                    headLength = 0;
                    frameHeader();
                }
            }
        }
    }

    private void frameHeader() throws IOException {
        ByteBuffer h = ByteBuffer.wrap(head);
        int first = h.getInt();
        int flagsAndLength = h.getInt();
        int flags = flagsAndLength >>> 24;
        int length = flagsAndLength & 0xFFFFFF;
        if (first < 0) {
            int version = (first >>> 16) & 0x7FFF;
            if (version != 3) {
                throw new IOException("the kubelet speaks SPDY version " + version + ", not 3");
            }
            if (length > LARGEST_CONTROL) {
                throw new IOException("a SPDY control frame of " + length + " bytes");
            }
            controlType = first & 0xFFFF;
            control = new byte[length];
            controlLength = 0;
            if (length == 0) {
                handleControl();
            }
            return;
        }
        Stream stream = streams.get(first);
        dataFor = stream;
        dataChannel = stream != null && stream.errorId == first ? 1 : 0;
        dataFin = (flags & FLAG_FIN) != 0;
        dataLeft = length;
        if (length == 0) {
            endOfData();
        }
    }

    private void endOfData() {
        if (dataFin && dataFor != null) {
            dataFor.remoteFinished(dataChannel, null);
        }
        dataFor = null;
    }

    private void handleControl() {
        byte[] body = control;
        control = null;
        ByteBuffer b = ByteBuffer.wrap(body);
        switch (controlType) {
            case RST_STREAM -> {
                if (body.length >= 8) {
                    int id = b.getInt() & 0x7FFFFFFF;
                    int status = b.getInt();
                    Stream stream = streams.get(id);
                    if (stream != null) {
                        stream.remoteFinished(stream.dataId == id ? 0 : 1,
                                status == STATUS_CANCEL ? "" : "status " + status);
                    }
                }
            }
            case PING -> {
                if (body.length >= 4) {
                    int id = b.getInt();
                    if ((id & 1) == 0) { // the kubelet's own ping: answered with the same frame
                        sendPingAnswer(id);
                    }
                }
            }
            case GOAWAY -> goneAway = true;
            default -> {
                // replies (their header blocks are empty), settings, window updates: nothing to do
            }
        }
    }

    private void sendPingAnswer(int id) {
        byte[] message = new byte[ROOM + 4];
        ByteBuffer.wrap(message, DirectStream.HEADROOM, FRAME_HEADER + 4)
                .putShort((short) 0x8003).putShort((short) PING).putInt(4).putInt(id);
        controls.add(message);
    }

    @Override
    public String toString() {
        return "SpdySession[" + target + ", " + openStreams() + " streams]";
    }

    /** One port-forward on the session: a data stream and its error stream. */
    final class Stream implements PortForwardStream {
        private final int dataId;
        private final int errorId;
        private final byte[] frame = new byte[ROOM + maxPayload];
        private final ByteBuffer upload = ByteBuffer.wrap(frame, ROOM, maxPayload).slice();
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final ArrayDeque<byte[]> inbox = new ArrayDeque<>();
        private final ArrayDeque<Integer> channels = new ArrayDeque<>();
        private int inboxBytes;
        /** When the reader started waiting for room in the inbox, or 0. */
        private volatile long waitingSinceNanos;
        /** Whether the kubelet has ended its side of the data stream and of the error stream. */
        private boolean dataDone;
        private boolean errorDone;
        private boolean remoteDone;
        private String broken;
        private volatile boolean finSent;
        private final AtomicBoolean streamClosed = new AtomicBoolean();

        private Stream(int dataId, int errorId) {
            this.dataId = dataId;
            this.errorId = errorId;
        }

        @Override
        public ByteBuffer uploadBuffer() {
            return upload.clear();
        }

        @Override
        public void send(ByteBuffer data) {
            if (data != upload) {
                throw new IllegalArgumentException("send takes the upload buffer");
            }
            int length = data.limit();
            writeDataHeader(frame, dataId, 0, length);
            socket.sendMessage(frame, DirectStream.HEADROOM, FRAME_HEADER + length);
        }

        @Override
        public void finishSending() {
            byte[] message = new byte[ROOM];
            writeDataHeader(message, dataId, FLAG_FIN, 0);
            socket.sendMessage(message, DirectStream.HEADROOM, FRAME_HEADER);
            lock.lock();
            try {
                finSent = true;
            } finally {
                lock.unlock();
            }
        }

        private static void writeDataHeader(byte[] buffer, int streamId, int flags, int length) {
            ByteBuffer.wrap(buffer, DirectStream.HEADROOM, FRAME_HEADER).putInt(streamId)
                    .putInt((flags << 24) | length);
        }

        @Override
        public void receive(Receiver receiver) throws IOException {
            while (true) {
                byte[] piece;
                int channel;
                lock.lock();
                try {
                    while (inbox.isEmpty() && !remoteDone && broken == null && !streamClosed.get()) {
                        changed.await();
                    }
                    if (inbox.isEmpty()) {
                        if (broken != null && !streamClosed.get()) {
                            throw new TunnelException(broken);
                        }
                        return;
                    }
                    piece = inbox.poll();
                    channel = channels.poll();
                    inboxBytes -= piece.length;
                    changed.signalAll();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    lock.unlock();
                }
                receiver.data(channel, ByteBuffer.wrap(piece));
            }
        }

        @Override
        public void failedBeforeAnswer() {
            retire();
        }

        @Override
        public boolean announcementRead() {
            return true; // SPDY streams carry no port announcement
        }

        /**
         * Fails the session if its sends are stuck; resets this stream if the reader has waited for room in its inbox
         * longer than the session allows one connection to hold up the others.
         */
        @Override
        public String checkStall(long nowNanos, long sendStallNanos) {
            String stuck = SpdySession.this.socket.checkStall(nowNanos, sendStallNanos);
            if (stuck != null) {
                return stuck;
            }
            long since = waitingSinceNanos;
            if (since == 0 || nowNanos - since <= stallNanos) {
                return null;
            }
            String why = "the local client read nothing for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos)
                    + " s while " + target + " was sending; its connection was reset so that the others on the"
                    + " session go on";
            lock.lock();
            try {
                if (broken == null) {
                    broken = why;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            close();
            return why;
        }

        /** From the reader: a piece of what arrived for this stream. Waits while the inbox is full. */
        private void arrived(int channel, ByteBuffer bytes, int n) {
            byte[] piece = new byte[n];
            bytes.get(bytes.position(), piece, 0, n);
            lock.lock();
            try {
                while (inboxBytes >= INBOX_LIMIT && broken == null && !streamClosed.get()) {
                    if (waitingSinceNanos == 0) {
                        waitingSinceNanos = System.nanoTime() | 1;
                    }
                    changed.await(1, TimeUnit.SECONDS);
                }
                waitingSinceNanos = 0;
                if (broken != null || streamClosed.get()) {
                    return;
                }
                inbox.add(piece);
                channels.add(channel);
                inboxBytes += n;
                changed.signalAll();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        }

        /**
         * From the reader: the kubelet finished (null) or reset one of the pair's streams, channel 0 data or 1 error.
         * The port-forward ends when both have: the kubelet closes the data stream before it writes an error, so the
         * error text may come after the data stream's end.
         */
        private void remoteFinished(int channel, String resetStatus) {
            boolean both;
            lock.lock();
            try {
                if (channel == 0) {
                    dataDone = true;
                    if (resetStatus != null && !resetStatus.isEmpty() && broken == null) {
                        broken = "the kubelet reset the port-forward to " + target + " (SPDY " + resetStatus + ")";
                    }
                } else {
                    errorDone = true;
                }
                remoteDone = dataDone && errorDone;
                both = remoteDone;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (both && finSent) {
                forget(this);
            }
        }

        private void sessionEnded(String why) {
            lock.lock();
            try {
                if (broken == null && !remoteDone) {
                    broken = why != null ? why : "the port-forward session to " + target + " was closed";
                }
                remoteDone = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            if (!streamClosed.compareAndSet(false, true)) {
                return;
            }
            boolean done;
            lock.lock();
            try {
                done = remoteDone && finSent;
                inbox.clear();
                channels.clear();
                inboxBytes = 0;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (!done && !closed.get()) {
                sendControl(RST_STREAM, dataId, STATUS_CANCEL);
                sendControl(RST_STREAM, errorId, STATUS_CANCEL);
            }
            forget(this);
        }

        @Override
        public String toString() {
            return "SpdySession.Stream[" + target + ", " + dataId + "]";
        }
    }
}
