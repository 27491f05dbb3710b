package io.kubepodenv.engine.config;

import io.fabric8.kubernetes.client.Config;

/** How the engine's Kubernetes clients speak HTTP. */
public final class KubeHttp {
    private KubeHttp() {
    }

    /**
     * Requests go over HTTP/1.1. On HTTP/2 the API server answers a refused credential with a GOAWAY frame before the
     * 401, and the JDK's HTTP client then fails the request with "GOAWAY received": no status, no message, and an
     * error that looks like a passing network fault, so it was retried for minutes. Over HTTP/1.1 the 401 (or 403)
     * arrives as such and fails at once.
     */
    public static Config refusalsAnswered(Config config) {
        config.setHttp2Disable(true);
        return config;
    }
}
