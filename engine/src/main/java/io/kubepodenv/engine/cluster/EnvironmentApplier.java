package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.template.Manifest;
import io.kubepodenv.engine.template.ManifestObject;

/**
 * Sends a manifest's objects to the cluster in template order: server-side apply with the configured field manager
 * (conflicts with another manager are reported, never forced), or create-or-update when server-side apply is off.
 *
 * <p>The docker-host StatefulSet is sent without {@code spec.replicas}: a new one starts with the API server's default
 * of 1, and from then on the replica count belongs to {@link DockerHostActivity} (sleep and wake), so this applier
 * never owns it and never fights over it.
 */
public final class EnvironmentApplier {
    private final KubernetesClient client;
    private final Options options;

    public EnvironmentApplier(KubernetesClient client, Options options) {
        this.client = client;
        this.options = options;
    }

    /** Applies every object; the first failure stops and is thrown, naming the object. */
    public void apply(Manifest manifest, ProgressListener listener) {
        for (ManifestObject object : manifest.objects()) {
            HasMetadata resource = toResource(object);
            if (object == manifest.dockerHost() && resource instanceof StatefulSet sts && sts.getSpec() != null) {
                sts.getSpec().setReplicas(null);
            }
            try {
                if (options.serverSideApply()) {
                    client.resource(resource).inNamespace(options.namespace())
                        .fieldManager(options.fieldManager()).serverSideApply();
                } else {
                    client.resource(resource).inNamespace(options.namespace())
                        .createOr(NonDeletingOperation::update);
                }
            } catch (KubernetesClientException e) {
                throw ClusterErrors.failed("apply " + object.describe(), options.namespace(), e);
            }
            listener.progress("applied " + object.kind() + " " + object.name());
        }
    }

    HasMetadata toResource(ManifestObject object) {
        String json = client.getKubernetesSerialization().asJson(object.content());
        return client.getKubernetesSerialization().unmarshal(json, HasMetadata.class);
    }
}
