package io.kubepodenv.engine.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/** {@code GET /_ping} against a Docker server, with one bounded attempt per call. */
public final class DockerPing {
    private static final int MAX_RESPONSE = 64 * 1024;

    private DockerPing() {
    }

    /**
     * Sends one ping and checks that the answer is {@code 200} with body {@code OK}.
     *
     * @throws IOException saying what was wrong (no answer, refused, an error status with its message, wrong body)
     */
    public static void ping(InetSocketAddress address, Duration timeout) throws IOException {
        int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            socket.connect(address, timeoutMs);
            socket.setSoTimeout(timeoutMs);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /_ping HTTP/1.1\r\nHost: docker\r\nUser-Agent: kube-pod-env\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = readAll(socket.getInputStream());
            check(response);
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) >= 0 && bytes.size() < MAX_RESPONSE) {
            bytes.write(buf, 0, n);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void check(String response) throws IOException {
        if (response.isEmpty()) {
            throw new IOException("the connection was closed without an answer");
        }
        int headEnd = response.indexOf("\r\n\r\n");
        String statusLine = response.lines().findFirst().orElse("");
        String[] status = statusLine.split(" ", 3);
        if (headEnd < 0 || status.length < 2 || !status[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP answer: " + abbreviate(response));
        }
        String head = response.substring(0, headEnd).toLowerCase(Locale.ROOT);
        String body = response.substring(headEnd + 4);
        if (head.contains("transfer-encoding: chunked")) {
            body = unchunk(body);
        }
        if (!"200".equals(status[1])) {
            // a Docker error body: {"message": "..."}
            String errorBody = body;
            String detail = JsonText.topLevelString(errorBody, "message").orElseGet(() -> abbreviate(errorBody));
            throw new IOException("HTTP " + status[1] + ": " + detail);
        }
        if (!"OK".equals(body.trim())) {
            throw new IOException("answer was not OK but " + abbreviate(body));
        }
    }

    private static String unchunk(String body) {
        StringBuilder out = new StringBuilder();
        int pos = 0;
        while (pos < body.length()) {
            int lineEnd = body.indexOf("\r\n", pos);
            if (lineEnd < 0) {
                break;
            }
            int size;
            try {
                size = Integer.parseInt(body.substring(pos, lineEnd).trim().split(";")[0], 16);
            } catch (NumberFormatException e) {
                break;
            }
            if (size == 0) {
                break;
            }
            int start = lineEnd + 2;
            out.append(body, start, Math.min(body.length(), start + size));
            pos = start + size + 2;
        }
        return out.toString();
    }

    private static String abbreviate(String s) {
        String oneLine = s.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : "'" + oneLine + "'";
    }
}
