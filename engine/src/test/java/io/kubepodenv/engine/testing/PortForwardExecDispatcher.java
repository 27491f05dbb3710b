package io.kubepodenv.engine.testing;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mock-server dispatcher that serves pod port-forward and exec through the bridges and hands every other request to
 * a delegate (usually the CRUD dispatcher), so a test gets stored objects and working streams from one server.
 */
public final class PortForwardExecDispatcher extends Dispatcher {
    private static final Pattern POD_STREAM =
            Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/(portforward|exec)(?:\\?(.*))?$");

    private final Dispatcher delegate;
    private final PortForwardBridge portForward;
    private final ExecBridge exec;

    /** @param exec may be null when the test needs no exec */
    public PortForwardExecDispatcher(Dispatcher delegate, PortForwardBridge portForward, ExecBridge exec) {
        this.delegate = delegate;
        this.portForward = portForward;
        this.exec = exec;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Matcher m = POD_STREAM.matcher(request.getPath());
        if (!m.matches()) {
            return delegate.dispatch(request);
        }
        String namespace = m.group(1);
        String pod = m.group(2);
        String query = m.group(4) == null ? "" : m.group(4);
        if ("portforward".equals(m.group(3))) {
            int port = 0;
            for (String pair : query.split("&")) {
                if (pair.startsWith("ports=")) {
                    port = Integer.parseInt(pair.substring("ports=".length()).split(",")[0]);
                }
            }
            if (port == 0) {
                return new MockResponse().setResponseCode(400).setBody("missing ports");
            }
            return portForward.upgrade(namespace, pod, port);
        }
        if (exec == null) {
            return new MockResponse().setResponseCode(404).setBody("exec is not bridged in this test");
        }
        return exec.upgrade(namespace, pod, query);
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }
}
