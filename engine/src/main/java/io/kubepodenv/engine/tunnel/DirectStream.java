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
 * written with one call, so a frame costs one copy (the local read) and one system call. Down: frame headers are
 * parsed from a buffered stream and payloads are read in pieces of up to 64 KiB and handed on at once, whatever the
 * frame size the server chose. Fragmented messages, pings (answered) and pongs are handled; text messages are not
 * part of the protocol and are skipped.
 */
final class DirectStream implements PortForwardStream {
    /** Largest client frame header: 2 bytes, 8 of length, 4 of mask. */
    private static final int HEADROOM = 14;
    private static final int READ_CHUNK = 64 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final Socket socket;
    private final Socket raw;
    private final InputStream in;
    private final OutputStream out;
    private final String target;
    private final byte[] frame;
    private final ByteBuffer upload;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long writeStartedNanos;
    private volatile boolean stalled;
    private volatile long stalledSeconds;

    DirectStream(Socket socket, Socket raw, InputStream in, OutputStream out, int maxPayload, String target) {
        this.socket = socket;
        this.raw = raw;
        this.in = in;
        this.out = out;
        this.target = target;
        this.frame = new byte[HEADROOM + 1 + maxPayload];
        this.upload = ByteBuffer.wrap(frame, HEADROOM + 1, maxPayload).slice();
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
        frame[HEADROOM] = 0; // channel 0: data
        writeFrame(frame, HEADROOM, 1 + length, 0x2);
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

    @Override
    public void receive(Receiver receiver) throws IOException {
        byte[] buffer = new byte[READ_CHUNK];
        byte[] header = new byte[8];
        byte[] maskKey = new byte[4];
        boolean inBinary = false;
        boolean inText = false;
        boolean needChannel = false;
        int channel = 0;
        try {
            while (true) {
                int b0 = in.read();
                if (b0 < 0) {
                    throw brokenBy("the Kubernetes API closed the connection");
                }
                readFully(header, 0, 1);
                int b1 = header[0] & 0xFF;
                int opcode = b0 & 0x0F;
                boolean fin = (b0 & 0x80) != 0;
                boolean masked = (b1 & 0x80) != 0;
                long length = b1 & 0x7F;
                if (length == 126) {
                    readFully(header, 0, 2);
                    length = ((header[0] & 0xFFL) << 8) | (header[1] & 0xFFL);
                } else if (length == 127) {
                    readFully(header, 0, 8);
                    length = 0;
                    for (int i = 0; i < 8; i++) {
                        length = (length << 8) | (header[i] & 0xFFL);
                    }
                    if (length < 0) {
                        throw brokenBy("a frame of impossible length");
                    }
                }
                if (masked) {
                    readFully(maskKey, 0, 4);
                }
                switch (opcode) {
                    case 0x8 -> { // close: the pod's side ended
                        skip(buffer, length);
                        return;
                    }
                    case 0x9 -> { // ping
                        if (length > 125) {
                            throw brokenBy("a ping of " + length + " bytes");
                        }
                        byte[] pong = new byte[HEADROOM + (int) length];
                        readFully(pong, HEADROOM, (int) length);
                        if (masked) {
                            mask(pong, HEADROOM, (int) length, maskKey, 0);
                        }
                        writeFrame(pong, HEADROOM, (int) length, 0xA);
                        continue;
                    }
                    case 0xA -> {
                        skip(buffer, length);
                        continue;
                    }
                    case 0x1 -> {
                        inText = !fin;
                        inBinary = false;
                        skip(buffer, length);
                        continue;
                    }
                    case 0x2 -> {
                        inBinary = !fin;
                        inText = false;
                        needChannel = true;
                    }
                    case 0x0 -> {
                        if (inText) {
                            inText = !fin;
                            skip(buffer, length);
                            continue;
                        }
                        if (!inBinary) {
                            throw brokenBy("a continuation frame outside a message");
                        }
                        inBinary = !fin;
                    }
                    default -> throw brokenBy("a frame with the unknown opcode " + opcode);
                }
                long left = length;
                long maskOffset = 0;
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(left, buffer.length));
                    if (n < 0) {
                        throw brokenBy("the Kubernetes API closed the connection in the middle of a frame");
                    }
                    if (masked) {
                        unmask(buffer, n, maskKey, maskOffset);
                        maskOffset += n;
                    }
                    left -= n;
                    int offset = 0;
                    if (needChannel && n > 0) {
                        channel = buffer[0] & 0xFF;
                        needChannel = false;
                        offset = 1;
                    }
                    if (n > offset) {
                        try {
                            receiver.data(channel, ByteBuffer.wrap(buffer, offset, n - offset));
                        } catch (IOException e) {
                            throw new ReceiverFailed(e);
                        }
                    }
                }
            }
        } catch (ReceiverFailed e) {
            throw e.failure;
        } catch (IOException e) {
            if (closed.get()) {
                return;
            }
            throw new TunnelException("the port-forward to " + target + " broke: " + DirectPortForward.describe(e),
                    e);
        } catch (TunnelException e) {
            if (closed.get()) {
                return;
            }
            throw e;
        }
    }

    private static void unmask(byte[] b, int n, byte[] key, long offset) {
        for (int i = 0; i < n; i++) {
            b[i] ^= key[(int) ((offset + i) & 3)];
        }
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n = in.read(b, off + done, len - done);
            if (n < 0) {
                throw brokenBy("the Kubernetes API closed the connection in the middle of a frame");
            }
            done += n;
        }
    }

    private void skip(byte[] buffer, long length) throws IOException {
        long left = length;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(left, buffer.length));
            if (n < 0) {
                throw brokenBy("the Kubernetes API closed the connection in the middle of a frame");
            }
            left -= n;
        }
    }

    private TunnelException brokenBy(String what) {
        return new TunnelException("the port-forward to " + target + " broke: " + what);
    }

    @Override
    public void checkStall(long nowNanos, long stallNanos) {
        long started = writeStartedNanos;
        if (started != 0 && nowNanos - started > stallNanos && !closed.get()) {
            stalledSeconds = TimeUnit.NANOSECONDS.toSeconds(stallNanos);
            stalled = true;
            close();
        }
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
