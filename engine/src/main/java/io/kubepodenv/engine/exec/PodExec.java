package io.kubepodenv.engine.exec;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import io.fabric8.kubernetes.client.utils.URLUtils;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs commands in a pod's container through the Kubernetes exec API ({@code pods/exec}, websocket
 * {@code v4.channel.k8s.io}), with the credentials of the given client. By default the pod's first container.
 *
 * <p>The v4 protocol cannot close a command's stdin, so a command fed from stdin must know by itself when its input
 * ends (tar does: the archive's end marker).
 */
public final class PodExec {
    private static final AtomicLong SESSION_IDS = new AtomicLong();

    private final KubernetesClient client;
    private final String namespace;
    private final Duration connectTimeout;

    public PodExec(KubernetesClient client, String namespace, Duration connectTimeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    }

    public PodExec(KubernetesClient client, String namespace) {
        this(client, namespace, Duration.ofSeconds(30));
    }

    /** The name of the pod's first container, which commands run in unless told otherwise. */
    public String firstContainer(String pod) {
        Pod p;
        try {
            p = client.pods().inNamespace(namespace).withName(pod).get();
        } catch (KubernetesClientException e) {
            throw new ExecException("cannot read pod " + namespace + "/" + pod + ": HTTP " + e.getCode(), e);
        }
        if (p == null) {
            throw new ExecException("pod " + namespace + "/" + pod + " does not exist");
        }
        List<Container> containers = p.getSpec() == null ? List.of() : p.getSpec().getContainers();
        if (containers == null || containers.isEmpty()) {
            throw new ExecException("pod " + namespace + "/" + pod + " has no containers");
        }
        return containers.get(0).getName();
    }

    /**
     * Starts a command and returns at once; output goes to the given streams as it arrives.
     *
     * @param container the container, or null for the pod's first one
     * @param stdin     copied to the command's stdin, or null for none
     * @param tty       allocate a terminal (then stderr is merged into stdout by the runtime)
     */
    public ExecSession start(String pod, String container, List<String> command, InputStream stdin,
            OutputStream stdout, OutputStream stderr, boolean tty) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command given");
        }
        String target = container != null ? container : firstContainer(pod);
        String what = "'" + String.join(" ", command) + "' in " + namespace + "/" + pod + " (container " + target
                + ")";
        StringBuilder query = new StringBuilder("exec?");
        for (String arg : command) {
            query.append("command=").append(encode(arg)).append('&');
        }
        query.append("container=").append(encode(target))
                .append("&stdin=").append(stdin != null)
                .append("&stdout=true&stderr=").append(!tty)
                .append("&tty=").append(tty);
        URI uri = URI.create(URLUtils.join(client.getMasterUrl().toString(), "api", "v1", "namespaces", namespace,
                "pods", pod, query.toString()));
        ExecSession session = new ExecSession(what, json -> client.getKubernetesSerialization()
                .unmarshal(json, Status.class), stdout, stderr);
        long timeoutMs = connectTimeout.toMillis();
        try {
            var ws = client.getHttpClient().newWebSocketBuilder()
                    .uri(uri)
                    .subprotocol("v4.channel.k8s.io")
                    .connectTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                    .buildAsync(session.listener())
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            session.attach(ws, stdin, "kpe-exec-" + SESSION_IDS.incrementAndGet() + "-stdin");
            return session;
        } catch (TimeoutException e) {
            throw new ExecException("exec of " + what + " did not start within " + connectTimeout.toSeconds()
                    + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException h && h.getResponse() != null) {
                throw new ExecException("exec of " + what + " was refused by the Kubernetes API: HTTP "
                        + h.getResponse().code() + " (check that the pod exists and that the credentials may create"
                        + " pods/exec in namespace " + namespace + ")", cause);
            }
            throw new ExecException("exec of " + what + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecException("interrupted while starting " + what);
        }
    }

    /**
     * Runs a command to its end with the given streams.
     *
     * @return the command's exit code
     * @throws ExecException if it cannot be run or does not end within {@code timeout}
     */
    public int run(String pod, List<String> command, InputStream stdin, OutputStream stdout, OutputStream stderr,
            Duration timeout) {
        try (ExecSession session = start(pod, null, command, stdin, stdout, stderr, false)) {
            return session.awaitExit(timeout);
        }
    }

    /** Runs a command without input and returns what it printed. */
    public ExecResult capture(String pod, List<String> command, Duration timeout) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = run(pod, command, null, out, err, timeout);
        return new ExecResult(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Commands in the first container of {@code pod}, for {@link io.kubepodenv.engine.sync.WorkspaceSync}. */
    public io.kubepodenv.engine.sync.PodCommands commandsIn(String pod) {
        return (command, stdin, stdout, stderr, timeout) -> run(pod, command, stdin, stdout, stderr, timeout);
    }

    String namespace() {
        return namespace;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
