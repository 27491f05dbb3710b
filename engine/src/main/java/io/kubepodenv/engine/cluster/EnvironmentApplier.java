package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.template.Manifest;
import io.kubepodenv.engine.template.ManifestObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates an environment: first its {@link EnvironmentRecord}, then the manifest's objects in template order, each
 * naming the record as its owner (the docker-host's volumeClaimTemplates too, so the claims the StatefulSet controller
 * makes from them are owned by the record as well), then marks the record complete. Objects are sent with server-side
 * apply and the configured field manager (conflicts with another manager are reported, never forced), or with
 * create-or-update when server-side apply is off.
 *
 * <p>A process killed at any point of this leaves at most a lock that expires and a record whose deletion lets the
 * cluster's garbage collector delete everything applied so far; lookups show such an environment as incomplete.
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

    /** Creates the record and applies every object; the first failure stops and is thrown, naming the object. */
    public void apply(Manifest manifest, ProgressListener listener) {
        OwnerReference record = EnvironmentRecord.create(client, options.namespace(), manifest);
        listener.progress("recorded environment " + manifest.instanceId() + " (" + EnvironmentRecord.KIND + " "
            + record.getName() + ", the owner of its objects)");
        for (ManifestObject object : manifest.objects()) {
            HasMetadata resource = toResource(object);
            ownedBy(resource.getMetadata(), record);
            if (resource instanceof StatefulSet set && set.getSpec() != null
                && set.getSpec().getVolumeClaimTemplates() != null) {
                for (PersistentVolumeClaim claim : set.getSpec().getVolumeClaimTemplates()) {
                    if (claim.getMetadata() == null) {
                        claim.setMetadata(new ObjectMeta());
                    }
                    ownedBy(claim.getMetadata(), record);
                }
            }
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
        EnvironmentRecord.markComplete(client, options.namespace(), manifest.instanceId());
    }

    /** Adds {@code owner} to the object's owner references (the template's own stay). */
    private static void ownedBy(ObjectMeta metadata, OwnerReference owner) {
        List<OwnerReference> references = new ArrayList<>();
        if (metadata.getOwnerReferences() != null) {
            references.addAll(metadata.getOwnerReferences());
        }
        references.add(owner);
        metadata.setOwnerReferences(references);
    }

    HasMetadata toResource(ManifestObject object) {
        String json = client.getKubernetesSerialization().asJson(object.content());
        return client.getKubernetesSerialization().unmarshal(json, HasMetadata.class);
    }
}
