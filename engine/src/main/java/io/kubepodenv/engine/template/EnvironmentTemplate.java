package io.kubepodenv.engine.template;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.TemplateSource;
import io.kubepodenv.engine.naming.Hashes;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a template into the objects of one environment: render, parse, validate, hash, stamp. Everything here
 * happens before any call to the cluster, so a bad template is refused with nothing created.
 *
 * <p>Rules enforced (each error names the document, kind and name):
 * <ul>
 *   <li>every document is a mapping with {@code apiVersion}, {@code kind} and {@code metadata.name};</li>
 *   <li>a missing namespace means the configured one; any other namespace is refused;</li>
 *   <li>cluster-scoped kinds and lists are refused; two objects of one kind may not share a name;</li>
 *   <li>label and annotation values are strings, and labels are valid label values;</li>
 *   <li>exactly one {@code apps/v1} StatefulSet is labelled {@code app.kubernetes.io/component: docker-host}; it
 *       has a first container, {@code replicas} 1 (or unset, which means 1), and a selector its pods match;</li>
 *   <li>when environments may sleep ({@link io.kubepodenv.engine.IdleLimits#sleepAfter()} set), the docker-host
 *       StatefulSet keeps its data through a scale-down to 0: it has a volume claim template, and
 *       {@code persistentVolumeClaimRetentionPolicy.whenScaled} is not {@code Delete} ({@link SleepSafety}).</li>
 * </ul>
 */
public final class EnvironmentTemplate {
    public static final int MAX_OBJECTS = 100;
    /** Prefix of the name of the environment's record (a ConfigMap the engine creates; see cluster/EnvironmentRecord). */
    public static final String RECORD_PREFIX = "kube-pod-env-";
    private static final Pattern DNS_SUBDOMAIN =
        Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final ObjectMapper CANONICAL = new ObjectMapper()
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private final TemplateRenderer renderer;

    public EnvironmentTemplate(TemplateRenderer renderer) {
        this.renderer = renderer;
    }

    /** The labels a template receives as {@code labels}: they identify the environment's pods and claims. */
    public static Map<String, String> templateLabels(EnvironmentKey key, String instanceId) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE);
        labels.put(ObjectLabels.INSTANCE, instanceId);
        labels.put(ObjectLabels.KEY, key.labelValue());
        labels.put(ObjectLabels.KEY_HASH, key.hash());
        return labels;
    }

    /**
     * Renders and validates the template of {@code options} for {@code key} under {@code instanceId}.
     *
     * @param createdAt the creation time to stamp, or {@code null} to leave the annotation out (for {@code render})
     * @throws InvalidInputException when the template or its output breaks a rule
     */
    public Manifest build(Options options, EnvironmentKey key, String instanceId, String createdAt,
        Map<String, String> attributes) {
        TemplateSource source = options.template();
        TemplateArguments arguments = new TemplateArguments(instanceId, options.namespace(), options.storageClass(),
            options.storageSize().render(), templateLabels(key, instanceId));
        String text = renderer.render(source, arguments);
        List<ManifestObject> objects = RenderedYaml.parse(source.origin(), text);
        if (objects.isEmpty()) {
            throw invalid(source, "renders no object; it must define at least the docker-host StatefulSet");
        }
        if (objects.size() > MAX_OBJECTS) {
            throw invalid(source, "renders " + objects.size() + " objects, at most " + MAX_OBJECTS + " are allowed");
        }
        Set<String> seen = new HashSet<>();
        for (ManifestObject object : objects) {
            checkObject(source, options.namespace(), object);
            if (!seen.add(object.apiVersion().replaceAll("/.*", "") + "/" + object.kind() + "/" + object.name())) {
                throw invalid(source, object.describe() + ": a second " + object.kind() + " named '" + object.name()
                    + "'; names must be unique per kind");
            }
            if ("ConfigMap".equals(object.kind()) && object.name().equals(RECORD_PREFIX + instanceId)) {
                throw invalid(source, object.describe() + ": the name '" + object.name() + "' is taken by the "
                    + "environment's record, which the engine creates; choose another name");
            }
        }
        ManifestObject dockerHost = findDockerHost(source, objects);
        if (options.idleLimits().sleepAfter().isPresent()) {
            SleepSafety.hazard((Map<?, ?>) dockerHost.content().get("spec")).ifPresent(hazard -> {
                throw invalid(source, dockerHost.describe() + ": environments sleep after "
                    + io.kubepodenv.engine.Durations.format(options.idleLimits().sleepAfter().get())
                    + " idle (sleep after is set), but " + hazard + "; or leave sleep after unset");
            });
        }
        io.kubepodenv.engine.DockerEndpoint docker = dockerEndpoint(source, dockerHost);
        String hash = "sha256:" + Hashes.sha256Hex(canonicalJson(objects));
        List<String> kinds = kinds(objects);
        List<ManifestObject> stamped = new ArrayList<>();
        ManifestObject stampedDockerHost = null;
        for (ManifestObject object : objects) {
            ManifestObject copy = new ManifestObject(object.document(), object.line(), deepCopy(object.content()));
            Stamp.apply(copy, options, key, instanceId, hash, createdAt, attributes);
            if (object == dockerHost) {
                Stamp.dockerHost(copy, kinds, docker);
                stampedDockerHost = copy;
            }
            stamped.add(copy);
        }
        return new Manifest(instanceId, stamped, stampedDockerHost, kinds, hash, docker);
    }

    private static void checkObject(TemplateSource source, String namespace, ManifestObject object) {
        Map<String, Object> content = object.content();
        String where = "document " + object.document() + " (line " + object.line() + ")";
        if (!(content.get("apiVersion") instanceof String apiVersion) || apiVersion.isBlank()) {
            throw invalid(source, where + ": no apiVersion");
        }
        if (!(content.get("kind") instanceof String kind) || kind.isBlank()) {
            throw invalid(source, where + ": no kind");
        }
        if (!(content.get("metadata") instanceof Map<?, ?> metadata)) {
            throw invalid(source, where + " (" + kind + "): no metadata");
        }
        if (!(metadata.get("name") instanceof String name) || name.isBlank()) {
            throw invalid(source, where + " (" + kind + "): no metadata.name"
                + (metadata.containsKey("generateName") ? " (generateName is not supported: names must be known "
                    + "before apply so that the environment can be found and deleted)" : ""));
        }
        if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            throw invalid(source, object.describe() + ": '" + name + "' is not a valid object name (lower-case "
                + "letters, digits, '-' and '.', at most 253)");
        }
        if (kind.endsWith("List")) {
            throw invalid(source, object.describe() + ": lists are not supported; write each object as its own "
                + "YAML document, separated by ---");
        }
        if (ClusterScopedKinds.contains(kind)) {
            throw invalid(source, object.describe() + ": " + kind + " is cluster-scoped; an environment may only "
                + "create objects in its namespace");
        }
        Object ns = metadata.get("namespace");
        if (ns != null && !namespace.equals(ns)) {
            throw invalid(source, object.describe() + ": namespace '" + ns + "' is not the configured namespace '"
                + namespace + "'; leave metadata.namespace out or use {{ namespace }}");
        }
        checkStringMap(source, object, metadata.get("labels"), "metadata.labels", true);
        checkStringMap(source, object, metadata.get("annotations"), "metadata.annotations", false);
    }

    static void checkStringMap(TemplateSource source, ManifestObject object, Object value, String field,
        boolean labels) {
        if (value == null) {
            return;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw invalid(source, object.describe() + ": " + field + " must be a mapping");
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String text)) {
                throw invalid(source, object.describe() + ": " + field + "." + e.getKey() + " must be a string, got "
                    + (e.getValue() == null ? "nothing" : e.getValue()) + "; quote it (or use |tojson)");
            }
            if (labels && (text.length() > 63 || !LABEL_VALUE.matcher(text).matches())) {
                throw invalid(source, object.describe() + ": " + field + "." + e.getKey() + ": '" + text
                    + "' is not a valid label value (at most 63 letters, digits, '-', '_', '.', starting and ending "
                    + "alphanumeric)");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static ManifestObject findDockerHost(TemplateSource source, List<ManifestObject> objects) {
        List<ManifestObject> hosts = new ArrayList<>();
        for (ManifestObject object : objects) {
            Object labels = object.metadata().get("labels");
            if (labels instanceof Map<?, ?> map
                && ObjectLabels.DOCKER_HOST_COMPONENT.equals(map.get(ObjectLabels.COMPONENT))) {
                if (!"StatefulSet".equals(object.kind()) || !"apps/v1".equals(object.apiVersion())) {
                    throw invalid(source, object.describe() + ": only an apps/v1 StatefulSet may carry the label "
                        + ObjectLabels.COMPONENT + ": " + ObjectLabels.DOCKER_HOST_COMPONENT);
                }
                hosts.add(object);
            }
        }
        if (hosts.isEmpty()) {
            throw invalid(source, "no StatefulSet is labelled " + ObjectLabels.COMPONENT + ": "
                + ObjectLabels.DOCKER_HOST_COMPONENT + "; exactly one must be, the one whose first container runs "
                + "the Docker server on port 2375");
        }
        if (hosts.size() > 1) {
            throw invalid(source, "more than one StatefulSet is labelled " + ObjectLabels.COMPONENT + ": "
                + ObjectLabels.DOCKER_HOST_COMPONENT + ": " + hosts.get(0).describe() + " and "
                + hosts.get(1).describe() + "; exactly one may be");
        }
        ManifestObject host = hosts.get(0);
        if (!(host.content().get("spec") instanceof Map<?, ?> spec)) {
            throw invalid(source, host.describe() + ": no spec");
        }
        Object replicas = spec.get("replicas");
        if (replicas == null) {
            ((Map<String, Object>) spec).put("replicas", 1);
        } else if (!(replicas instanceof Integer r) || r != 1) {
            throw invalid(source, host.describe() + ": spec.replicas is " + replicas + "; the docker-host StatefulSet "
                + "must run exactly 1 replica (leave it out or write 1)");
        }
        Map<String, Object> podTemplate = mapAt(spec, "template");
        Map<String, Object> podSpec = podTemplate == null ? null : mapAt(podTemplate, "spec");
        Object containers = podSpec == null ? null : podSpec.get("containers");
        if (!(containers instanceof List<?> list) || list.isEmpty() || !(list.get(0) instanceof Map<?, ?> first)
            || !(first.get("name") instanceof String)) {
            throw invalid(source, host.describe() + ": spec.template.spec.containers has no first container with a "
                + "name; the first container runs the Docker server (and is where exec and cp run)");
        }
        Map<String, Object> selector = mapAt(spec, "selector");
        Map<String, Object> matchLabels = selector == null ? null : mapAt(selector, "matchLabels");
        Map<String, Object> podMetadata = mapAt(podTemplate, "metadata");
        Map<String, Object> podLabels = podMetadata == null ? null : mapAt(podMetadata, "labels");
        if (matchLabels == null || matchLabels.isEmpty()) {
            throw invalid(source, host.describe() + ": spec.selector.matchLabels is missing; select the pods with "
                + "the labels the template receives ({% for k, v in labels %})");
        }
        for (Map.Entry<String, Object> e : matchLabels.entrySet()) {
            if (podLabels == null || !e.getValue().equals(podLabels.get(e.getKey()))) {
                throw invalid(source, host.describe() + ": the selector label " + e.getKey() + "=" + e.getValue()
                    + " is not on spec.template.metadata.labels, so the StatefulSet would select no pod");
            }
        }
        return host;
    }

    private static io.kubepodenv.engine.DockerEndpoint dockerEndpoint(TemplateSource source, ManifestObject host) {
        Map<?, ?> spec = (Map<?, ?>) host.content().get("spec");
        Map<?, ?> first = (Map<?, ?>) ((List<?>) mapAt(mapAt(spec, "template"), "spec").get("containers")).get(0);
        try {
            return io.kubepodenv.engine.DockerEndpoint.declaredBy(first);
        } catch (InvalidInputException e) {
            throw invalid(source, host.describe() + ": " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> mapAt(Map<?, ?> parent, String field) {
        Object value = parent.get(field);
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    private static List<String> kinds(List<ManifestObject> objects) {
        Set<String> kinds = new LinkedHashSet<>();
        for (ManifestObject object : objects) {
            kinds.add(object.apiVersion() + "/" + object.kind());
            if ("StatefulSet".equals(object.kind()) && object.content().get("spec") instanceof Map<?, ?> spec
                && spec.get("volumeClaimTemplates") instanceof List<?> claims && !claims.isEmpty()) {
                kinds.add("v1/PersistentVolumeClaim");
            }
        }
        return new ArrayList<>(kinds);
    }

    private static String canonicalJson(List<ManifestObject> objects) {
        try {
            return CANONICAL.writeValueAsString(objects.stream().map(ManifestObject::content).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise rendered objects", e);
        }
    }

    private static Map<String, Object> deepCopy(Map<String, Object> content) {
        try {
            return PLAIN.readValue(PLAIN.writeValueAsBytes(content), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot copy rendered object", e);
        }
    }

    static InvalidInputException invalid(TemplateSource source, String problem) {
        return new InvalidInputException("template (" + source.origin() + "): " + problem);
    }
}
