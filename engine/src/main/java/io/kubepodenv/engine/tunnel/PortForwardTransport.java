package io.kubepodenv.engine.tunnel;

/** Opens port-forwards to a pod's port; one implementation per way of reaching the API server. */
interface PortForwardTransport {

    /**
     * Opens a port-forward to {@code port} of {@code pod}.
     *
     * @param target the pod and port, for messages
     * @throws TunnelException when the API server refuses (the message contains
     *                         {@link PortForwardConnection#REFUSED_BY_API} and the status code) or cannot be reached
     */
    PortForwardStream open(String pod, int port, String target) throws InterruptedException;

    /** A word for logs and benchmarks: which implementation this is. */
    String describe();
}
