package io.kubepodenv.engine.template;

import java.util.List;

/**
 * A rendered, validated template: the objects of one environment, ready to apply, in template order.
 *
 * @param instanceId the instance id it was rendered for
 * @param objects every object, with the engine's labels and annotations stamped on
 * @param dockerHost the StatefulSet that runs the Docker server (one of {@code objects})
 * @param kinds every kind the environment creates, as {@code apiVersion/Kind}, claims included
 * @param templateHash {@code sha256:<hex>} of the rendered objects, before stamping
 * @param docker where the Docker server listens, as the docker-host's first container declares it
 */
public record Manifest(String instanceId, List<ManifestObject> objects, ManifestObject dockerHost, List<String> kinds,
    String templateHash, io.kubepodenv.engine.DockerEndpoint docker) {

    public Manifest {
        objects = List.copyOf(objects);
        kinds = List.copyOf(kinds);
    }
}
