package io.kubepodenv.engine.template;

import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the engine's identity on an object: the namespace, labels that let any later process find it (managed-by,
 * instance, key, key hash, owner) and annotations with what labels cannot hold (the whole key, template hash,
 * creation time, caller attributes). Claims made from a StatefulSet's volumeClaimTemplates and its pods get the
 * identifying labels too, so that nothing the environment creates escapes deletion, whatever the template wrote.
 */
final class Stamp {
    private Stamp() {
    }

    static void apply(ManifestObject object, Options options, EnvironmentKey key, String instanceId,
        String templateHash, String createdAt, Map<String, String> attributes) {
        Map<String, Object> metadata = object.metadata();
        metadata.put("namespace", options.namespace());
        Map<String, Object> labels = child(metadata, "labels");
        labels.putAll(identity(key, instanceId));
        labels.put(ObjectLabels.OWNER, options.owner());
        Map<String, Object> annotations = child(metadata, "annotations");
        annotations.put(ObjectLabels.KEY_ANNOTATION, key.value());
        annotations.put(ObjectLabels.TEMPLATE_HASH, templateHash);
        if (createdAt != null) {
            annotations.put(ObjectLabels.CREATED_AT, createdAt);
        }
        attributes.forEach((name, value) -> annotations.put(ObjectLabels.ATTRIBUTE_PREFIX + name, value));
        if ("StatefulSet".equals(object.kind()) && object.content().get("spec") instanceof Map<?, ?> spec) {
            Map<String, Object> podTemplate = EnvironmentTemplate.mapAt(spec, "template");
            if (podTemplate != null) {
                child(child(podTemplate, "metadata"), "labels").putAll(identity(key, instanceId));
            }
            if (spec.get("volumeClaimTemplates") instanceof List<?> claims) {
                for (Object claim : claims) {
                    if (claim instanceof Map<?, ?> c) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> claimTemplate = (Map<String, Object>) c;
                        child(child(claimTemplate, "metadata"), "labels").putAll(identity(key, instanceId));
                    }
                }
            }
        }
    }

    static void dockerHost(ManifestObject object, List<String> kinds, io.kubepodenv.engine.DockerEndpoint docker) {
        Map<String, Object> annotations = child(object.metadata(), "annotations");
        annotations.put(ObjectLabels.KINDS, String.join(",", kinds));
        annotations.put(ObjectLabels.DOCKER_PORT, Integer.toString(docker.port()));
        annotations.put(ObjectLabels.DOCKER_TLS, Boolean.toString(docker.tls()));
    }

    private static Map<String, String> identity(EnvironmentKey key, String instanceId) {
        return EnvironmentTemplate.templateLabels(key, instanceId);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> child(Map<String, Object> parent, String field) {
        Object value = parent.get(field);
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        Map<String, Object> created = new LinkedHashMap<>();
        parent.put(field, created);
        return created;
    }
}
