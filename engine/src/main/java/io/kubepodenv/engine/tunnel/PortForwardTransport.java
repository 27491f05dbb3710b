package io.kubepodenv.engine.tunnel;

/** Opens port-forwards to a pod's port; one implementation per way of reaching the API server. */
interface PortForwardTransport {

    /**
     * Opens a port-forward to {@code port} of {@code pod}.
     *
     * @param target the pod and port, for messages
     * @throws PortForwardRefusedException when the API server answers the upgrade with an HTTP error
     * @throws TunnelException             when the API server cannot be reached or the upgrade fails otherwise
     */
    PortForwardStream open(String pod, int port, String target) throws InterruptedException;

    /** A word for logs and benchmarks: which implementation this is. */
    String describe();
}
