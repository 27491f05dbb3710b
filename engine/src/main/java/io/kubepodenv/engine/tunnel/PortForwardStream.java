package io.kubepodenv.engine.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One open Kubernetes port-forward ({@code v4.channel.k8s.io}) to one port of one pod: data goes up on channel 0,
 * data and error text come down on channels 0 and 1. Two threads use it: one uploads ({@link #uploadBuffer()},
 * {@link #send}), one receives ({@link #receive}); {@link #close()} may come from any thread.
 */
interface PortForwardStream {

    /** Receives what the pod sends, in order. */
    @FunctionalInterface
    interface Receiver {
        /**
         * A piece of a message on {@code channel} (0 data, 1 error text), channel byte removed; a message may come
         * in several pieces. The buffer is only valid during the call.
         *
         * @throws IOException if passing it on failed; ends {@link #receive}
         */
        void data(int channel, ByteBuffer bytes) throws IOException;
    }

    /**
     * The buffer to read the next upload into: cleared, its capacity the largest payload of one frame. The same
     * buffer each time; it may be reused once {@link #send} has returned.
     */
    ByteBuffer uploadBuffer();

    /**
     * Sends {@code data} (the upload buffer, flipped) on channel 0. Blocks while the connection accepts nothing more,
     * which is what slows a fast local client down to the pace of the pod; never drops data.
     *
     * @throws TunnelException if the port-forward is closed or broke, or accepted nothing for the stall timeout
     */
    void send(ByteBuffer data);

    /**
     * Passes everything the pod sends to {@code receiver}, on the calling thread, until the port-forward ends.
     *
     * @throws TunnelException if the port-forward broke rather than ended (not after {@link #close()})
     * @throws IOException     what the receiver threw
     */
    void receive(Receiver receiver) throws IOException;

    /**
     * Fails the connection if an upload has been waiting for the connection to accept data longer than
     * {@code stall}. Called now and then by the tunnel.
     */
    default void checkStall(long nowNanos, long stallNanos) {
    }

    /**
     * Whether the server's port announcement (the first two bytes of channels 0 and 1) has been read already, so
     * that {@link #receive} delivers only what follows it.
     */
    default boolean announcementRead() {
        return false;
    }

    /** Ends the port-forward at once, without waiting on the network. Idempotent; any thread. */
    void close();
}
