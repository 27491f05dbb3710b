package io.kubepodenv.engine.testing;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The server side of Kubernetes exec ({@code v4.channel.k8s.io}) for the fabric8 mock server, bridged to
 * {@code docker exec -i} in a real container of the test daemon: channel 0 is the command's stdin, 1 its stdout,
 * 2 its stderr, and 3 carries the final {@code v1.Status} ({@code Success}, or {@code NonZeroExitCode} with an
 * {@code ExitCode} cause), as the kubelet sends them.
 */
public final class ExecBridge {
    private final DockerDaemonFixture docker;
    private final Function<String, String> containers;
    private final List<List<String>> commands = new CopyOnWriteArrayList<>();
    private final Map<Session, Boolean> sessions = new ConcurrentHashMap<>();

    /**
     * @param containers the docker container that plays a pod's first container, by pod name (null: no such pod)
     */
    public ExecBridge(DockerDaemonFixture docker, Function<String, String> containers) {
        this.docker = docker;
        this.containers = containers;
    }

    /** Every command received, in order. */
    public List<List<String>> commands() {
        return List.copyOf(commands);
    }

    /** Exec sessions still running. */
    public int openSessions() {
        return sessions.size();
    }

    MockResponse upgrade(String namespace, String pod, String query) {
        List<String> command = new ArrayList<>();
        String container = null;
        boolean tty = false;
        boolean stdin = false;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = pair.substring(0, eq);
            String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            switch (key) {
                case "command" -> command.add(value);
                case "container" -> container = value;
                case "tty" -> tty = Boolean.parseBoolean(value);
                case "stdin" -> stdin = Boolean.parseBoolean(value);
                default -> { }
            }
        }
        commands.add(List.copyOf(command));
        String dockerContainer = containers.apply(pod);
        if (dockerContainer == null) {
            return new MockResponse().setResponseCode(404).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                    + "\"status\":\"Failure\",\"message\":\"pods \\\"" + pod + "\\\" not found\",\"reason\":\"NotFound\","
                    + "\"code\":404}");
        }
        return new MockResponse().withWebSocketUpgrade(new Session(dockerContainer, command, stdin, tty, container));
    }

    private final class Session extends WebSocketListener {
        private final String container;
        private final List<String> command;
        private final boolean stdin;
        private volatile Process process;
        private volatile OutputStream processStdin;

        Session(String container, List<String> command, boolean stdin, boolean tty, String requestedContainer) {
            this.container = container;
            this.command = command;
            this.stdin = stdin;
        }

        @Override
        public void onOpen(WebSocket ws, Response response) {
            sessions.put(this, Boolean.TRUE);
            PortForwardFrameSender sender = new PortForwardFrameSender(ws);
            List<String> cli = new ArrayList<>(List.of("exec"));
            if (stdin) {
                cli.add("-i");
            }
            cli.add(container);
            cli.addAll(command);
            ProcessBuilder pb = docker.processBuilder(cli);
            try {
                process = pb.start();
            } catch (IOException e) {
                finish(ws, sender, statusFailure("cannot start docker exec: " + e.getMessage(), null));
                return;
            }
            processStdin = process.getOutputStream();
            if (!stdin) {
                try {
                    processStdin.close();
                } catch (IOException ignored) {
                    // nothing to close
                }
            }
            Thread out = pump(process.getInputStream(), (byte) 1, sender, "out");
            Thread err = pump(process.getErrorStream(), (byte) 2, sender, "err");
            Thread waiter = new Thread(() -> {
                try {
                    int exit = process.waitFor();
                    out.join(TimeUnit.SECONDS.toMillis(30));
                    err.join(TimeUnit.SECONDS.toMillis(30));
                    finish(ws, sender, exit == 0 ? "{\"metadata\":{},\"status\":\"Success\"}"
                            : statusFailure("command terminated with non-zero exit code: error executing command "
                                    + command + ", exit code " + exit, exit));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bridge-exec-wait");
            waiter.setDaemon(true);
            waiter.start();
        }

        private Thread pump(InputStream in, byte channel, PortForwardFrameSender sender, String name) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[16 * 1024];
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        synchronized (sender) {
                            sender.send(PortForwardBridge.frame(channel, buf, n));
                        }
                    }
                } catch (IOException e) {
                    // process ended or websocket closed
                }
            }, "bridge-exec-" + name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        private void finish(WebSocket ws, PortForwardFrameSender sender, String status) {
            byte[] text = status.getBytes(StandardCharsets.UTF_8);
            try {
                synchronized (sender) {
                    sender.send(PortForwardBridge.frame((byte) 3, text, text.length));
                }
            } catch (IOException ignored) {
                // client gone
            }
            ws.close(1000, "");
            sessions.remove(this);
        }

        @Override
        public void onMessage(WebSocket ws, byte[] bytes) {
            OutputStream in = processStdin;
            if (bytes.length < 1 || in == null) {
                return;
            }
            try {
                if (bytes[0] == 0 && bytes.length > 1) {
                    in.write(bytes, 1, bytes.length - 1);
                    in.flush();
                } else if ((bytes[0] & 0xff) == 255 && bytes.length > 1 && bytes[1] == 0) {
                    in.close(); // v5.channel.k8s.io: the client closed stdin
                }
            } catch (IOException e) {
                // the command stopped reading
            }
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            end();
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            end();
        }

        private void end() {
            sessions.remove(this);
            Process p = process;
            if (p != null && p.isAlive()) {
                p.destroy();
            }
        }
    }

    static String statusFailure(String message, Integer exitCode) {
        String details = exitCode == null ? "" : ",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":"
                + "[{\"reason\":\"ExitCode\",\"message\":\"" + exitCode + "\"}]}";
        return "{\"metadata\":{},\"status\":\"Failure\",\"message\":" + jsonString(message) + details + "}";
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
