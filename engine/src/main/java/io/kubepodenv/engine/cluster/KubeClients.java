package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.Options;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the Kubernetes client the command line uses, from a kubeconfig file or the ambient configuration. */
public final class KubeClients {
    private KubeClients() {
    }

    /**
     * A client for {@code options}: its kubeconfig file and context when given, otherwise the ambient configuration
     * (the {@code KUBECONFIG} variable, {@code ~/.kube/config}, or the in-cluster service account).
     */
    public static KubernetesClient create(Options options) {
        return new KubernetesClientBuilder().withConfig(config(options)).build();
    }

    public static Config config(Options options) {
        Config config;
        if (options.kubeconfig().isPresent()) {
            Path file = options.kubeconfig().get();
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException("kubeconfig: no such file: " + file);
            }
            try {
                config = Config.fromKubeconfig(options.context().orElse(null), file.toFile());
            } catch (RuntimeException e) {
                throw new InvalidInputException("kubeconfig " + file + ": " + e.getMessage());
            }
        } else {
            config = Config.autoConfigure(options.context().orElse(null));
        }
        if (options.context().isPresent() && !options.context().get().equals(currentContextName(config))) {
            throw new InvalidInputException("context: '" + options.context().get() + "' is not a context of the "
                + "kubeconfig");
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new InvalidInputException("no cluster configured: give --kubeconfig, set KUBECONFIG, or run inside "
                + "a cluster");
        }
        config.setNamespace(options.namespace());
        io.kubepodenv.engine.config.KubeHttp.refusalsAnswered(config);
        return config;
    }

    private static String currentContextName(Config config) {
        return config.getCurrentContext() == null ? null : config.getCurrentContext().getName();
    }
}
