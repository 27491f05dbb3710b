package io.kubepodenv.engine.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The websocket side of one {@link DirectPortForward} connection (RFC 6455 framing, client role).
 *
 * <p>Up: each upload is read straight into the frame buffer behind room for the frame header, masked in place and
 * written with one call, so a frame costs one copy (the local read) and one system call. Down: each read from the
 * socket takes whatever has arrived (up to 64 KiB, often several frames); the frames in it are walked and their data
 * gathered into one write to the local socket, whatever the frame sizes the server chose. Fragmented messages, pings
 * and pongs are handled; text messages are not part of the protocol and are skipped.
 *
 * <p>Control frames never wait behind data: a ping's pong is sent by the reader only if no upload holds the socket;
 * otherwise the upload sends it right after the frame it is writing, and the reader goes on reading (a stalled upload
 * does not stop downloads). When nothing has arrived for the keep-alive interval (the socket's read timeout), the
 * reader sends a ping, again only if no upload holds the socket (then there is traffic anyway), so that proxies and
 * load balancers in front of the API server do not drop an idle connection.
 */
final class DirectStream implements PortForwardStream {

    /** Largest client frame header: 2 bytes, 8 of length, 4 of mask. */
    static final int HEADROOM = 14;
    /** What one read from the API server's socket may bring, and what one write to the local socket may carry. */
    private static final int RECEIVE_BUFFER = 64 * 1024;
    /** Unread bytes are moved to the front of the buffer when less room than this is left behind them. */
    private static final int MIN_READ = 16 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final Socket socket;
    private final Socket raw;
    private final InputStream in;
    private final OutputStream out;
    private final String target;
    /** Whether every message starts with a channel byte ({@code v4.channel.k8s.io}); not when it tunnels SPDY. */
    private final boolean channelled;
    private final byte[] frame;
    private final ByteBuffer upload;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** The payload of the last ping received and not yet answered (only the last one needs an answer). */
    private final java.util.concurrent.atomic.AtomicReference<byte[]> pendingPong =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final int keepAliveMillis;
    private final FrameReader reader = new FrameReader();
    private volatile boolean announcementRead;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long writeStartedNanos;
    private volatile boolean stalled;
    private volatile long stalledSeconds;

    DirectStream(Socket socket, Socket raw, InputStream in, OutputStream out, int maxPayload, int keepAliveMillis,
            String target, boolean channelled) {
        this.socket = socket;
        this.channelled = channelled;
        this.keepAliveMillis = keepAliveMillis;
        this.raw = raw;
        this.in = in;
        this.out = out;
        this.target = target;
        this.frame = channelled ? new byte[HEADROOM + 1 + maxPayload] : new byte[0];
        this.upload = channelled ? ByteBuffer.wrap(frame, HEADROOM + 1, maxPayload).slice() : null;
    }

    /** Nothing to do: this port-forward serves one connection only. */
    @Override
    public void failedBeforeAnswer() {
    }

    /** The {@code v4.channel.k8s.io} protocol has no way to say that the client has finished sending. */
    @Override
    public void finishSending() {
    }

    /** Whether this websocket carries {@code v4.channel.k8s.io} (one port-forward) rather than a SPDY session. */
    boolean channelled() {
        return channelled;
    }

    /**
     * The buffer to read the next upload into: cleared, its capacity the largest payload of one frame, with room for
     * the frame header before it so that the frame is written without a copy. The same buffer each time; it may be
     * reused once {@link #send} has returned.
     */
    @Override
    public ByteBuffer uploadBuffer() {
        return upload.clear();
    }

    /**
     * Sends {@code data} (the upload buffer, flipped) on channel 0. Blocks while the connection accepts nothing more,
     * which is what slows a fast local client down to the pace of the pod; never drops data.
     *
     * @throws TunnelException if the port-forward is closed or broke, or accepted nothing for the stall timeout
     */
    @Override
    public void send(ByteBuffer data) {
        if (data != upload || !channelled) {
            throw new IllegalArgumentException("send takes the upload buffer of a channelled stream");
        }
        int length = data.limit();
        frame[HEADROOM] = 0; // channel 0: data
        writeFrame(frame, HEADROOM, 1 + length, 0x2);
    }

    /**
     * Sends one binary message whose payload sits at {@code buffer[payloadStart, payloadStart + length)}, with at
     * least {@link #HEADROOM} free bytes before it for the frame header; the payload is masked in place. Blocks as
     * {@link #send} does. Safe to call from several threads: messages are written whole, one after the other.
     */
    void sendMessage(byte[] buffer, int payloadStart, int length) {
        if (payloadStart < HEADROOM) {
            throw new IllegalArgumentException("a message needs " + HEADROOM + " bytes of room before its payload");
        }
        writeFrame(buffer, payloadStart, length, 0x2);
    }

    /**
     * Writes one frame whose payload already sits at {@code buffer[payloadStart, payloadStart + length)} with at
     * least {@link #HEADROOM} free bytes before it. The payload is masked in place.
     */
    private void writeFrame(byte[] buffer, int payloadStart, int length, int opcode) {
        int headerLength = length <= 125 ? 6 : length <= 0xFFFF ? 8 : 14;
        int start = payloadStart - headerLength;
        buffer[start] = (byte) (0x80 | opcode);
        int p = start + 1;
        if (length <= 125) {
            buffer[p++] = (byte) (0x80 | length);
        } else if (length <= 0xFFFF) {
            buffer[p++] = (byte) (0x80 | 126);
            buffer[p++] = (byte) (length >>> 8);
            buffer[p++] = (byte) length;
        } else {
            buffer[p++] = (byte) (0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buffer[p++] = (byte) ((long) length >>> shift);
            }
        }
        int mask = ThreadLocalRandom.current().nextInt();
        buffer[p++] = (byte) (mask >>> 24);
        buffer[p++] = (byte) (mask >>> 16);
        buffer[p++] = (byte) (mask >>> 8);
        buffer[p++] = (byte) mask;
        mask(buffer, payloadStart, length, buffer, payloadStart - 4);
        writeLock.lock();
        try {
            if (closed.get()) {
                throw closedError();
            }
            writeStartedNanos = System.nanoTime() | 1;
            out.write(buffer, start, headerLength + length);
            byte[] pong = pendingPong.getAndSet(null);
            if (pong != null) {
                out.write(controlFrame(0xA, pong));
            }
        } catch (IOException e) {
            if (stalled) {
                throw new TunnelException("the port-forward to " + target + " accepted no data for "
                        + stalledSeconds + " s; giving up on this connection");
            }
            if (closed.get()) {
                throw closedError();
            }
            throw new TunnelException("the port-forward to " + target + " broke: "
                    + DirectPortForward.describe(e), e);
        } finally {
            writeStartedNanos = 0;
            writeLock.unlock();
        }
        sendPendingPong();
    }

    /**
     * Sends the pending pong if no other thread is writing; if one is, it sends the pong after its frame (and, having
     * let go of the socket, checks again), so a pong is never lost and never waits here.
     */
    private void sendPendingPong() {
        while (pendingPong.get() != null && writeLock.tryLock()) {
            try {
                byte[] pong = pendingPong.getAndSet(null);
                if (pong != null) {
                    writeControl(0xA, pong);
                }
            } finally {
                writeLock.unlock();
            }
        }
    }

    /** Sends a keep-alive ping unless another thread is writing (then the connection is not idle). */
    private void sendKeepAlive() {
        if (writeLock.tryLock()) {
            try {
                writeControl(0x9, new byte[0]);
            } finally {
                writeLock.unlock();
            }
        }
    }

    /** Writes a control frame; the caller holds the write lock. */
    private void writeControl(int opcode, byte[] payload) {
        if (closed.get()) {
            return;
        }
        try {
            writeStartedNanos = System.nanoTime() | 1;
            out.write(controlFrame(opcode, payload));
        } catch (IOException e) {
            if (!closed.get()) {
                throw new TunnelException("the port-forward to " + target + " broke: "
                        + DirectPortForward.describe(e), e);
            }
        } finally {
            writeStartedNanos = 0;
        }
    }

    /** A masked control frame (at most 125 bytes of payload, as RFC 6455 allows). */
    private static byte[] controlFrame(int opcode, byte[] payload) {
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) (0x80 | opcode);
        frame[1] = (byte) (0x80 | payload.length);
        int mask = ThreadLocalRandom.current().nextInt();
        frame[2] = (byte) (mask >>> 24);
        frame[3] = (byte) (mask >>> 16);
        frame[4] = (byte) (mask >>> 8);
        frame[5] = (byte) mask;
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ frame[2 + (i & 3)]);
        }
        return frame;
    }

    private TunnelException closedError() {
        return new TunnelException("the connection to " + target + " was closed");
    }

    /** XORs {@code b[from, from + length)} with the 4-byte key at {@code key[keyAt]}, eight bytes at a time. */
    static void mask(byte[] b, int from, int length, byte[] key, int keyAt) {
        byte[] pattern = new byte[8];
        for (int i = 0; i < 8; i++) {
            pattern[i] = key[keyAt + (i & 3)];
        }
        long wide = (long) LONGS.get(pattern, 0);
        int i = from;
        int end = from + length;
        for (; i + 8 <= end; i += 8) {
            LONGS.set(b, i, (long) LONGS.get(b, i) ^ wide);
        }
        for (; i < end; i++) {
            b[i] ^= key[keyAt + ((i - from) & 3)];
        }
    }

    /**
     * Passes everything the pod sends to {@code receiver}, on the calling thread, until the port-forward ends.
     *
     * @throws TunnelException if the port-forward broke rather than ended (not after {@link #close()})
     * @throws IOException     what the receiver threw
     */
    @Override
    public void receive(Receiver receiver) throws IOException {
        reader.run(receiver);
    }

    /**
     * Reads the port announcement the server sends first ({@code [0, lo, hi]} and {@code [1, lo, hi]}), so that the
     * stream can wait unused and be checked for anything unexpected before it is handed out
     * ({@link #isIntact()}). Afterwards {@link #receive} delivers only what follows the announcement.
     *
     * @throws TunnelException if anything else arrives first, or nothing within {@code timeout}
     */
    void awaitAnnouncement(java.time.Duration timeout) {
        try {
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            reader.readAnnouncement();
            socket.setSoTimeout(keepAliveMillis);
            announcementRead = true;
        } catch (java.net.SocketTimeoutException e) {
            close();
            throw new TunnelException("the port-forward to " + target + " announced no port within "
                    + timeout.toMillis() + " ms");
        } catch (IOException e) {
            close();
            throw new TunnelException("the port-forward to " + target + " broke: " + DirectPortForward.describe(e),
                    e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Whether the server's port announcement (the first two bytes of channels 0 and 1) has been read already, so
     * that {@link #receive} delivers only what follows it.
     */
    @Override
    public boolean announcementRead() {
        return announcementRead;
    }

    /**
     * Whether this stream, opened earlier and unused since its announcement, can still be handed out: not closed, and
     * nothing has arrived since (an error text, a close, the end of the connection would have).
     */
    boolean isIntact() {
        if (closed.get() || !announcementRead || reader.pos != reader.lim) {
            return false;
        }
        try {
            return in.available() == 0 && raw.getInputStream().available() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Walks the frames in what one read from the socket brought (often several frames), and hands the data on in
     * as few pieces as possible: payloads that follow each other on the same channel are gathered into one buffer
     * and passed on when nothing more is at hand, so the local socket sees one write per read rather than one or two
     * per frame. Nothing is held back while waiting for the network: the gathered data goes out before every read.
     */
    private final class FrameReader {
        private Receiver receiver;
        /** Whether a read timeout means "send a keep-alive ping" (while data is received) or a failure. */
        private boolean keepingAlive;
        private final byte[] in = new byte[RECEIVE_BUFFER];
        private final byte[] out = new byte[RECEIVE_BUFFER];
        private final byte[] maskKey = new byte[4];
        private int pos;
        private int lim;
        private int outLength;
        private int outChannel = -1;

        // the frame being read: payloadLeft < 0 while a header is expected
        private long payloadLeft = -1;
        private boolean payloadIsData;
        private boolean masked;
        private long maskOffset;
        // the message being read
        private boolean inBinary;
        private boolean inText;
        private boolean needChannel;
        private int channel;

        /** One step of reading: a header, or what is at hand of a payload, or more bytes. False after a close. */
        private boolean step() throws IOException {
            if (payloadLeft < 0) {
                return header();
            }
            if (payloadLeft == 0) {
                payloadLeft = -1;
            } else if (pos == lim) {
                fill();
            } else {
                payload();
            }
            return true;
        }

        /** Reads the two port announcements and nothing more; anything else first is an error. */
        void readAnnouncement() throws IOException {
            int[] seen = new int[2];
            receiver = (ch, bytes) -> {
                if (ch > 1 || seen[ch] + bytes.remaining() > 2) {
                    throw new IOException("the server sent more than its port announcement on channel " + ch);
                }
                seen[ch] += bytes.remaining();
            };
            try {
                while (seen[0] < 2 || seen[1] < 2) {
                    if (!step()) {
                        throw new IOException("the server closed the port-forward after announcing its port");
                    }
                    flush();
                }
                if (payloadLeft > 0) {
                    throw new IOException("the server sent more than its port announcement");
                }
            } catch (ReceiverFailed e) {
                throw e.failure;
            } finally {
                receiver = null;
            }
        }

        void run(Receiver target) throws IOException {
            receiver = target;
            keepingAlive = true;
            try {
                while (true) {
                    if (!step()) {
                        return; // close frame
                    }
                }
            } catch (ReceiverFailed e) {
                throw e.failure;
            } catch (IOException e) {
                if (closed.get()) {
                    return;
                }
                throw new TunnelException("the port-forward to " + target + " broke: "
                        + DirectPortForward.describe(e), e);
            } catch (TunnelException e) {
                if (closed.get()) {
                    return;
                }
                throw e;
            }
        }

        /** Reads one frame header (and a control frame whole); false after a close frame. */
        private boolean header() throws IOException {
            while (lim - pos < 2) {
                fill();
            }
            int b0 = in[pos] & 0xFF;
            int b1 = in[pos + 1] & 0xFF;
            int opcode = b0 & 0x0F;
            boolean fin = (b0 & 0x80) != 0;
            boolean isMasked = (b1 & 0x80) != 0;
            int lengthCode = b1 & 0x7F;
            int headerLength = 2 + (lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0) + (isMasked ? 4 : 0);
            while (lim - pos < headerLength) {
                fill();
            }
            int p = pos + 2;
            long length = lengthCode;
            if (lengthCode == 126) {
                length = ((in[p] & 0xFFL) << 8) | (in[p + 1] & 0xFFL);
                p += 2;
            } else if (lengthCode == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | (in[p + i] & 0xFFL);
                }
                p += 8;
                if (length < 0) {
                    throw brokenBy("a frame of impossible length");
                }
            }
            if (isMasked) {
                System.arraycopy(in, p, maskKey, 0, 4);
            }
            if (opcode >= 0x8) {
                if (length > 125 || !fin) {
                    throw brokenBy("a control frame of " + length + " bytes" + (fin ? "" : ", fragmented"));
                }
                while (lim - pos < headerLength + length) {
                    fill();
                }
                int payloadAt = pos + headerLength;
                pos += headerLength + (int) length;
                if (isMasked) {
                    unmask(in, payloadAt, (int) length, maskKey, 0);
                }
                if (opcode == 0x8) {
                    flush();
                    return false;
                }
                if (opcode == 0x9) {
                    pendingPong.set(java.util.Arrays.copyOfRange(in, payloadAt, payloadAt + (int) length));
                    sendPendingPong();
                } else if (opcode != 0xA) {
                    throw brokenBy("a frame with the unknown opcode " + opcode);
                }
                return true;
            }
            pos += headerLength;
            switch (opcode) {
                case 0x1 -> {
                    inText = !fin;
                    inBinary = false;
                    payloadIsData = false;
                }
                case 0x2 -> {
                    inBinary = !fin;
                    inText = false;
                    needChannel = channelled;
                    payloadIsData = true;
                }
                case 0x0 -> {
                    if (inText) {
                        inText = !fin;
                        payloadIsData = false;
                    } else if (inBinary) {
                        inBinary = !fin;
                        payloadIsData = true;
                    } else {
                        throw brokenBy("a continuation frame outside a message");
                    }
                }
                default -> throw brokenBy("a frame with the unknown opcode " + opcode);
            }
            masked = isMasked;
            maskOffset = 0;
            payloadLeft = length;
            return true;
        }

        /** Passes on what is at hand of the current payload. */
        private void payload() throws IOException {
            int n = (int) Math.min(payloadLeft, lim - pos);
            if (masked) {
                unmask(in, pos, n, maskKey, maskOffset);
                maskOffset += n;
            }
            if (payloadIsData) {
                int from = pos;
                int length = n;
                if (needChannel) {
                    channel = in[from] & 0xFF;
                    needChannel = false;
                    from++;
                    length--;
                }
                if (length > 0) {
                    gather(channel, from, length);
                }
            }
            pos += n;
            payloadLeft -= n;
        }

        private void gather(int ch, int from, int length) throws IOException {
            if (outLength > 0 && (ch != outChannel || out.length - outLength < length)) {
                flush();
            }
            if (length >= out.length) {
                deliver(ch, in, from, length);
                return;
            }
            System.arraycopy(in, from, out, outLength, length);
            outLength += length;
            outChannel = ch;
        }

        private void flush() throws IOException {
            if (outLength > 0) {
                int n = outLength;
                outLength = 0;
                deliver(outChannel, out, 0, n);
            }
        }

        private void deliver(int ch, byte[] b, int from, int length) {
            try {
                receiver.data(ch, ByteBuffer.wrap(b, from, length));
            } catch (IOException e) {
                throw new ReceiverFailed(e);
            }
        }

        /** Passes on what was gathered, then reads more: blocks until the server sends something. */
        private void fill() throws IOException {
            flush();
            if (pos == lim) {
                pos = 0;
                lim = 0;
            } else if (pos > 0 && in.length - lim < MIN_READ) {
                System.arraycopy(in, pos, in, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            int n;
            while (true) {
                try {
                    n = DirectStream.this.in.read(in, lim, in.length - lim);
                    break;
                } catch (java.net.SocketTimeoutException e) {
                    // nothing arrived for the keep-alive interval (the socket's read timeout)
                    if (closed.get() || !keepingAlive) {
                        throw e;
                    }
                    sendKeepAlive();
                }
            }
            if (n < 0) {
                throw brokenBy(payloadLeft > 0 || lim > pos ? "the Kubernetes API closed the connection in the"
                        + " middle of a frame" : "the Kubernetes API closed the connection");
            }
            lim += n;
        }
    }

    private static void unmask(byte[] b, int from, int n, byte[] key, long offset) {
        for (int i = 0; i < n; i++) {
            b[from + i] ^= key[(int) ((offset + i) & 3)];
        }
    }

    private TunnelException brokenBy(String what) {
        return new TunnelException("the port-forward to " + target + " broke: " + what);
    }

    /**
     * Fails the connection if a write has been waiting for the connection to accept data longer than
     * {@code stallNanos}. Called now and then by the tunnel.
     */
    @Override
    public String checkStall(long nowNanos, long stallNanos) {
        long started = writeStartedNanos;
        if (started != 0 && nowNanos - started > stallNanos && !closed.get()) {
            stalledSeconds = TimeUnit.NANOSECONDS.toSeconds(stallNanos);
            stalled = true;
            close();
            return "the port-forward to " + target + " accepted no data for " + stalledSeconds + " s";
        }
        return null;
    }

    /**
     * Closes the TCP socket itself (beneath TLS): no close frame and no TLS close_notify, either of which could wait
     * on a peer that reads nothing. The API server sees the connection end, as when kubectl is stopped.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            DirectPortForward.closeQuietly(raw);
        }
    }

    /** A failure of the receiver, carried through the transport's own error handling unchanged. */
    private static final class ReceiverFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient IOException failure;

        ReceiverFailed(IOException cause) {
            super(null, null, false, false);
            this.failure = cause;
        }
    }

    @Override
    public String toString() {
        return "DirectStream[" + target + ", " + socket.getLocalPort() + "]";
    }
}
