package io.kubepodenv.bench;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Counts the requests a fabric8 client sends (an HTTP interceptor, so websocket upgrades of port-forwards and watches
 * count too): method and path, in order.
 */
final class RequestCounter implements Interceptor {
    static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

    record Request(String method, String path, String query) {
        boolean isWrite() {
            return WRITES.contains(method);
        }

        boolean isLease() {
            return path.contains("/leases");
        }

        boolean isWatch() {
            return query != null && query.contains("watch=true");
        }

        @Override
        public String toString() {
            return method + " " + path + (query == null ? "" : "?" + query);
        }
    }

    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        requests.add(new Request(request.method(), request.uri().getPath(), request.uri().getQuery()));
    }

    void reset() {
        requests.clear();
    }

    List<Request> snapshot() {
        return new ArrayList<>(requests);
    }

    /** "GET 3, PATCH 1" style summary of {@code list}. */
    static String byMethod(List<Request> list) {
        Map<String, Integer> counts = new TreeMap<>();
        list.forEach(r -> counts.merge(r.method() + (r.isWatch() ? " (watch)" : ""), 1, Integer::sum));
        StringBuilder s = new StringBuilder();
        counts.forEach((m, n) -> s.append(s.length() == 0 ? "" : ", ").append(m).append(' ').append(n));
        return s.toString();
    }
}
