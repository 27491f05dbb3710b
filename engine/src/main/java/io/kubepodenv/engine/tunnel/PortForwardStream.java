package io.kubepodenv.engine.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One port-forward to the pod's port, as a local connection uses it: a {@code v4.channel.k8s.io} websocket of its own
 * ({@link DirectStream}), or a pair of streams on a SPDY session shared with other connections
 * ({@link SpdySession.Stream}).
 */
interface PortForwardStream {

    /** Receives what the pod sends, in order. */
    @FunctionalInterface
    interface Receiver {
        /**
         * A piece of what arrived on {@code channel} (0 data, 1 error text). The buffer is only valid during the call.
         *
         * @throws IOException if passing it on failed; ends {@link #receive}
         */
        void data(int channel, ByteBuffer bytes) throws IOException;
    }

    /**
     * The buffer to read the next upload into: cleared, at most one frame's payload, with room for the frame's
     * headers before it so that it is sent without a copy. The same buffer each time; it may be reused once
     * {@link #send} has returned.
     */
    ByteBuffer uploadBuffer();

    /**
     * Sends {@code data} (the upload buffer, flipped). Blocks while the connection accepts nothing more, which slows
     * a fast local client down to the pace of the pod; never drops data.
     *
     * @throws TunnelException if the port-forward is closed or broke, or accepted nothing for the stall timeout
     */
    void send(ByteBuffer data);

    /**
     * Tells the pod that nothing more will be sent, where the protocol can say so (SPDY can; {@code v4.channel.k8s.io}
     * cannot, and then this does nothing).
     */
    void finishSending();

    /**
     * Passes everything the pod sends to {@code receiver}, on the calling thread, until the port-forward ends.
     *
     * @throws TunnelException if the port-forward broke rather than ended (not after {@link #close()})
     * @throws IOException     what the receiver threw
     */
    void receive(Receiver receiver) throws IOException;

    /** Whether what {@link #receive} delivers starts after the two-byte port announcement of each channel. */
    boolean announcementRead();

    /**
     * Fails the port-forward if it has been stuck longer than {@code stallNanos}: a send waiting for the API server, or
     * (on a shared session) what the pod sent waiting for the local client.
     *
     * @return why it failed, or null
     */
    String checkStall(long nowNanos, long stallNanos);

    /**
     * Tells the port-forward that it failed before the pod answered anything. A session shared with other connections
     * then takes no new ones: it was opened to the pod of that moment, and the pod may have been replaced under the
     * same name (a StatefulSet's pods keep their names), so the next connection opens a session of its own.
     */
    void failedBeforeAnswer();

    /** Ends the port-forward at once; idempotent. */
    void close();
}
