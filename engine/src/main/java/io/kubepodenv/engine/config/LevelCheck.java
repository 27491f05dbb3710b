package io.kubepodenv.engine.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.template.Manifest;
import io.kubepodenv.engine.template.ManifestObject;
import java.util.List;
import java.util.Optional;

/**
 * What a configuration form checks of one level (global, folder, job) before it is saved: its fields, what its
 * template renders to, and whether its credentials may do what an environment needs. Each check throws
 * {@link io.kubepodenv.engine.InvalidInputException} with a message for the form.
 */
public final class LevelCheck {
    /** The key the preview renders for. */
    public static final EnvironmentKey EXAMPLE = EnvironmentKey.of("change:example/app:source:42");

    private LevelCheck() {
    }

    /** Validates the fields of {@code level}; its cluster is not checked here. */
    public static void fields(SettingsLayer level) {
        new SettingsResolver(Options.DEFAULT_OWNER).resolve(List.of(level.withCluster(ClusterTarget.inClusterTarget())));
    }

    /** Renders a form's template (blank: the bundled one) with its values, for the example pull request. */
    public static Manifest render(String template, String namespace, String storageClass, String storageSize) {
        SettingsLayer level = SettingsLayer.configuration("this form").withCluster(ClusterTarget.inClusterTarget())
            .withTemplate(template).withNamespace(namespace).withStorageClass(storageClass)
            .withStorageSize(storageSize);
        Options options = new SettingsResolver(Options.DEFAULT_OWNER).resolve(List.of(level)).options();
        return KubePodEnv.render(options, EXAMPLE, Optional.of("preview-0000"));
    }

    /** What {@link #render} gives, one object a line. */
    public static String preview(String template, String namespace, String storageClass, String storageSize) {
        Manifest m = render(template, namespace, storageClass, storageSize);
        StringBuilder out = new StringBuilder("Renders ").append(m.objects().size()).append(" objects (")
            .append(m.templateHash()).append("):");
        for (ManifestObject o : m.objects()) {
            out.append("\n  ").append(o.apiVersion()).append(' ').append(o.describe());
        }
        return out.append("\nDocker server: StatefulSet ").append(m.dockerHost().name()).toString();
    }

    /**
     * Connects and asks the API server whether the credentials may do, in {@code namespace}, what an environment of
     * {@code template} needs.
     */
    public static AccessCheck.Report access(ClusterConnection connection, String namespace, String template) {
        Manifest manifest = render(template, namespace, null, null);
        try (KubernetesClient client = connection.newClient()) {
            return AccessCheck.run(client, namespace, AccessCheck.required(manifest.kinds()), connection.masker());
        }
    }
}
