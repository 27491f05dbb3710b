package io.kubepodenv.engine.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The fabric8 CRUD dispatcher with a stand-in for server-side apply, and a record of every request.
 *
 * <p><b>This is not server-side apply.</b> The CRUD mock refuses {@code application/apply-patch+yaml} (404 when the
 * object is absent, 415 when present). This shim turns such a PATCH into a create (a POST to the collection) when
 * the object is absent, and into a PUT of the stored object with the applied one merged in (mappings merged field by
 * field, lists and values replaced; {@code status} kept) when it is present, so that a partial apply (the replica
 * count and activity annotations) changes only what it names. There are no managed fields, no field ownership, no
 * conflicts, and {@code force} changes nothing. What the mock cannot judge, tests check on the recorded requests
 * instead: {@link #applyRequests()} keeps each apply's path, {@code fieldManager} and {@code force} query parameters
 * and content type; {@link #requests()} keeps every request.
 *
 * <p>A test can make the server fail chosen requests with {@link #failWhen}; the failure is answered before the
 * request reaches the store, so it changes nothing.
 */
public class ApplyPatchShimDispatcher extends KubernetesCrudDispatcher {
    public static final String APPLY_PATCH_CONTENT_TYPE = "application/apply-patch+yaml";

    private final KubernetesSerialization serialization = new KubernetesSerialization();
    private final List<Call> requests = new CopyOnWriteArrayList<>();
    private final List<ApplyRequest> applyRequests = new CopyOnWriteArrayList<>();
    private final List<Function<Call, Optional<MockResponse>>> interceptors = new CopyOnWriteArrayList<>();

    /**
     * One request as the server received it.
     *
     * @param method the HTTP method
     * @param path the path with its query string
     * @param contentType the Content-Type header, or null
     * @param userAgent the User-Agent header, or null (tells the engine's requests from fixtures')
     * @param body the body, empty when there was none
     */
    public record Call(String method, String path, String contentType, String userAgent, String body) {

        /** The path without its query string. */
        public String resourcePath() {
            int q = path.indexOf('?');
            return q < 0 ? path : path.substring(0, q);
        }

        /** The decoded value of query parameter {@code name}, or null when absent. */
        public String queryParameter(String name) {
            int q = path.indexOf('?');
            if (q < 0) {
                return null;
            }
            for (String pair : path.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                if (key.equals(name)) {
                    return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        /** True for a server-side apply request. */
        public boolean isApply() {
            return "PATCH".equals(method) && contentType != null && contentType.startsWith("application/apply-patch");
        }

        /** True for requests that would change stored objects (POST, PUT, PATCH, DELETE). */
        public boolean isWrite() {
            return !"GET".equals(method);
        }

        /** True for a watch (a long-lived GET). */
        public boolean isWatch() {
            return "GET".equals(method) && "true".equals(queryParameter("watch"));
        }
    }

    /**
     * A server-side apply request, as the client sent it.
     *
     * @param path the object's path (no query)
     * @param fieldManager the {@code fieldManager} query parameter, or null
     * @param force the {@code force} query parameter, or null when not sent
     * @param contentType the Content-Type header
     */
    public record ApplyRequest(String path, String fieldManager, String force, String contentType) {
    }

    /** Every request received so far, in order. */
    public List<Call> requests() {
        return List.copyOf(requests);
    }

    /** The requests received so far whose User-Agent is not {@code excludedUserAgent}. */
    public List<Call> requestsExcept(String excludedUserAgent) {
        return requests.stream().filter(c -> !excludedUserAgent.equals(c.userAgent())).toList();
    }

    /** Every server-side apply request received so far, in order. */
    public List<ApplyRequest> applyRequests() {
        return List.copyOf(applyRequests);
    }

    /** Answers every request matching {@code which} with HTTP {@code code} and a Status naming the injected fault. */
    public void failWhen(Predicate<Call> which, int code) {
        interceptors.add(call -> which.test(call) ? Optional.of(status(code, "injected failure for "
            + call.method() + " " + call.resourcePath())) : Optional.empty());
    }

    /** Removes every failure injected with {@link #failWhen}. */
    public void clearFailures() {
        interceptors.clear();
    }

    /** Every object in the store, whatever its kind. */
    public List<GenericKubernetesResource> storedObjects() {
        List<String> bodies;
        synchronized (map) {
            bodies = new ArrayList<>(map.values());
        }
        return bodies.stream().map(b -> serialization.unmarshal(b, GenericKubernetesResource.class)).toList();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
        Call call = new Call(request.getMethod(), request.getPath(), request.getHeader("Content-Type"),
            request.getHeader("User-Agent"), new String(body, StandardCharsets.UTF_8));
        requests.add(call);
        if (call.isApply()) {
            applyRequests.add(new ApplyRequest(call.resourcePath(), call.queryParameter("fieldManager"),
                call.queryParameter("force"), call.contentType()));
        }
        for (Function<Call, Optional<MockResponse>> interceptor : interceptors) {
            Optional<MockResponse> answer = interceptor.apply(call);
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        if (call.isApply()) {
            return apply(call);
        }
        return super.dispatch(copy(request, request.method(), request.getPath(), request.getHeaders(), body));
    }

    private synchronized MockResponse apply(Call call) {
        String objectPath = call.resourcePath();
        GenericKubernetesResource applied = serialization.unmarshal(call.body(), GenericKubernetesResource.class);
        if (applied == null || applied.getMetadata() == null) {
            return status(400, "apply shim: the body is not a Kubernetes object");
        }
        ObjectMeta metadata = applied.getMetadata();
        metadata.setResourceVersion(null);
        MockResponse current = handleGet(objectPath);
        Headers json = Headers.builder().add("Content-Type", "application/json").build();
        if (current.code() == 404) {
            String collection = objectPath.substring(0, objectPath.lastIndexOf('/'));
            byte[] created = serialization.asJson(applied).getBytes(StandardCharsets.UTF_8);
            return handleCreate(copy(null, HttpMethod.POST, collection, json, created));
        }
        Map<String, Object> stored = serialization.unmarshal(current.getBody().readUtf8(), Map.class);
        Map<String, Object> intent = serialization.unmarshal(serialization.asJson(applied), Map.class);
        intent.remove("status");
        merge(stored, intent);
        if (stored.get("metadata") instanceof Map<?, ?> meta) {
            meta.remove("resourceVersion");
        }
        byte[] replaced = serialization.asJson(stored).getBytes(StandardCharsets.UTF_8);
        return handleUpdate(copy(null, HttpMethod.PUT, objectPath, json, replaced));
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> target, Map<String, Object> source) {
        for (Map.Entry<String, Object> e : source.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> value && target.get(e.getKey()) instanceof Map<?, ?> existing) {
                merge((Map<String, Object>) existing, (Map<String, Object>) value);
            } else {
                target.put(e.getKey(), e.getValue());
            }
        }
    }

    private static RecordedRequest copy(RecordedRequest original, HttpMethod method, String path, Headers headers,
        byte[] body) {
        String version = original == null ? "HTTP/1.1" : original.getHttpVersion();
        return new RecordedRequest(version, method, path, headers, new Buffer(body));
    }

    private static MockResponse status(int code, String message) {
        String body = "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"code\":" + code
            + ",\"message\":\"" + message.replace("\"", "'") + "\"}";
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
    }
}
