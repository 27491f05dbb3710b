package io.kubepodenv.engine.template;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The values a template is rendered with. Only strings and a map of strings are bound, so a template cannot reach
 * any Java object's methods.
 *
 * @param id the instance id
 * @param namespace the namespace every object must live in
 * @param storageClass the StorageClass, absent when the cluster's default is wanted
 * @param storageSize the volume size in GiB, as a plain number ({@code 5}, {@code 12.5})
 * @param labels labels that identify the environment: put them on pod templates and selectors
 */
public record TemplateArguments(String id, String namespace, Optional<String> storageClass, String storageSize,
    Map<String, String> labels) {

    public TemplateArguments {
        Objects.requireNonNull(id);
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(storageClass);
        Objects.requireNonNull(storageSize);
        labels = Map.copyOf(labels);
    }

    /** The bindings handed to the template engine. */
    Map<String, Object> bindings() {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("id", id);
        b.put("namespace", namespace);
        storageClass.ifPresent(c -> b.put("storageClass", c));
        b.put("storageSize", storageSize);
        b.put("labels", new java.util.TreeMap<>(labels));
        return b;
    }
}
