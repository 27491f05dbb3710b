package io.kubepodenv.engine.tunnel;

import java.nio.charset.StandardCharsets;

/**
 * The answer a tunnel connection gives when it cannot reach the pod: an HTTP error in the Docker API's format, so that
 * a Docker client prints "Error response from daemon: ..." with our reason instead of a bare "connection reset".
 */
final class DockerErrorResponse {
    private DockerErrorResponse() {
    }

    static byte[] serviceUnavailable(String message) {
        byte[] body = ("{\"message\":" + JsonText.quote("kube-pod-env tunnel: " + message) + "}\n")
                .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 503 Service Unavailable\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }
}
