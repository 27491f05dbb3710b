package io.kubepodenv.engine.tunnel;

/** The environment has no pod that could take a connection right now (missing, not Ready, or being deleted). */
public class NoReadyPodException extends TunnelException {
    private static final long serialVersionUID = 1L;

    public NoReadyPodException(String message) {
        super(message);
    }
}
