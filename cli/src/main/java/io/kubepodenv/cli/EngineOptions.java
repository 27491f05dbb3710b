package io.kubepodenv.cli;

import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.Options;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every command that renders or talks to the cluster shares, with the same names and defaults as the
 * Jenkins configuration. Precedence: flag, then environment variable, then default.
 */
final class EngineOptions {
    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE", defaultValue = "${env:KPE_NAMESPACE:-default}",
        description = "Namespace of the environments (env KPE_NAMESPACE; default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
        description = "Kubeconfig file. Default: the KUBECONFIG variable, ~/.kube/config, or the in-cluster service "
            + "account.")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "NAME", defaultValue = "${env:KPE_CONTEXT}",
        description = "Context of the kubeconfig (env KPE_CONTEXT; default: its current context).")
    String context;

    @Option(names = {"-t", "--template"}, paramLabel = "FILE", defaultValue = "${env:KPE_TEMPLATE}",
        description = "Jinja template of the environment's objects (env KPE_TEMPLATE; default: the bundled "
            + "template). Check one with 'kpe render'.")
    Path template;

    @Option(names = "--server-side-apply", negatable = true, defaultValue = "${env:KPE_SERVER_SIDE_APPLY:-true}",
        fallbackValue = "true",
        description = "Apply objects with server-side apply (default), or with create-or-update "
            + "(--no-server-side-apply). Env KPE_SERVER_SIDE_APPLY.")
    boolean serverSideApply;

    @Option(names = "--storage-class", paramLabel = "NAME", defaultValue = "${env:KPE_STORAGE_CLASS}",
        description = "StorageClass of the Docker server's volume (env KPE_STORAGE_CLASS; default: the cluster's "
            + "default class).")
    String storageClass;

    @Option(names = "--storage-size", paramLabel = "GIB", defaultValue = "${env:KPE_STORAGE_SIZE:-5}",
        description = "Size of that volume in GiB, fractions allowed (env KPE_STORAGE_SIZE; default: "
            + "${DEFAULT-VALUE}).")
    String storageSize;

    @Option(names = "--ready-timeout", paramLabel = "DURATION", defaultValue = "${env:KPE_READY_TIMEOUT:-10m}",
        description = "How long 'up' waits for the Docker server, e.g. 90s, 10m (env KPE_READY_TIMEOUT; default: "
            + "${DEFAULT-VALUE}).")
    String readyTimeout;

    @Option(names = "--delete-timeout", paramLabel = "DURATION", defaultValue = "${env:KPE_DELETE_TIMEOUT:-2m}",
        description = "How long 'down --wait' waits for objects to disappear (env KPE_DELETE_TIMEOUT; default: "
            + "${DEFAULT-VALUE}).")
    String deleteTimeout;

    @Option(names = "--field-manager", paramLabel = "NAME", defaultValue = "${env:KPE_FIELD_MANAGER:-kube-pod-env}",
        description = "Server-side apply field manager (env KPE_FIELD_MANAGER; default: ${DEFAULT-VALUE}).")
    String fieldManager;

    @Option(names = "--keep-on-failure",
        description = "Keep a new environment that failed to become ready, to inspect it (default: delete it).")
    boolean keepOnFailure;

    /** Validates every value; an {@link InvalidInputException} names the first bad one. */
    Options toOptions() {
        Options.Builder b = Options.builder()
            .namespace(namespace)
            .kubeconfig(kubeconfig)
            .context(emptyToNull(context))
            .serverSideApply(serverSideApply)
            .storageClass(emptyToNull(storageClass))
            .storageSize(storageSize)
            .readyTimeout(readyTimeout)
            .deleteTimeout(deleteTimeout)
            .fieldManager(fieldManager)
            .keepOnFailure(keepOnFailure);
        if (template != null && !template.toString().isEmpty()) {
            b.templateFile(template);
        }
        return b.build();
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
