package io.kubepodenv.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kubepodenv.engine.Environment;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON forms of the commands' results: stable field names, for scripts. */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    static Map<String, Object> environment(Environment e, Clock clock) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", e.key().value());
        m.put("id", e.id());
        m.put("namespace", e.namespace());
        m.put("dockerHostStatefulSet", e.dockerHost());
        m.put("ready", e.ready());
        m.put("complete", e.complete());
        m.put("state", e.state().display());
        m.put("lastUsedAt", e.activity().lastUsed().map(Instant::toString).orElse(null));
        m.put("idleSeconds", e.activity().lastUsed().map(t -> Math.max(0, Duration.between(t, Instant.now(clock))
            .toSeconds())).orElse(null));
        m.put("asleepSince", e.activity().asleepSince().map(Instant::toString).orElse(null));
        m.put("createdAt", e.createdAt().map(Instant::toString).orElse(null));
        m.put("ageSeconds", e.createdAt().map(c -> Duration.between(c, Instant.now(clock)).toSeconds()).orElse(null));
        m.put("owner", e.owner());
        m.put("templateHash", e.templateHash());
        m.put("kinds", e.kinds());
        return m;
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
