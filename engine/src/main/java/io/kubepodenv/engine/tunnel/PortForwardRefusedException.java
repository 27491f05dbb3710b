package io.kubepodenv.engine.tunnel;

/**
 * The Kubernetes API answered a port-forward's websocket upgrade with an HTTP error instead of {@code 101}: the
 * status and the API server's own message (the {@code message} of the {@code Status} it sent), as values. A 401 or
 * 403 is the authoriser's decision and final ({@link #isAuthorizationRefusal()}): retrying with the same credentials
 * cannot help.
 */
public class PortForwardRefusedException extends TunnelException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String apiServerMessage;

    /**
     * @param message          the whole explanation, for people
     * @param status           the HTTP status of the answer
     * @param apiServerMessage the API server's message, empty if it sent none
     */
    public PortForwardRefusedException(String message, int status, String apiServerMessage) {
        super(message);
        this.status = status;
        this.apiServerMessage = apiServerMessage == null ? "" : apiServerMessage;
    }

    /** The HTTP status the API server answered the upgrade with. */
    public int status() {
        return status;
    }

    /** The API server's own message, e.g. {@code pods "x-0" is forbidden: User "ci" cannot create ...}; may be empty. */
    public String apiServerMessage() {
        return apiServerMessage;
    }

    /** Whether the API server refused the credentials (401) or their permission (403). */
    public boolean isAuthorizationRefusal() {
        return status == 401 || status == 403;
    }
}
