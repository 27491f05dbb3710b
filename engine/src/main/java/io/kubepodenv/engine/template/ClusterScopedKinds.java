package io.kubepodenv.engine.template;

import java.util.Set;

/** Kinds that live outside namespaces. An environment may not create them: it must stay inside its namespace. */
final class ClusterScopedKinds {
    private static final Set<String> KINDS = Set.of(
        "Namespace", "Node", "PersistentVolume", "ComponentStatus",
        "ClusterRole", "ClusterRoleBinding",
        "StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass",
        "CustomResourceDefinition", "APIService",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
        "PriorityClass", "RuntimeClass", "IngressClass", "PodSecurityPolicy",
        "CertificateSigningRequest", "ClusterTrustBundle",
        "FlowSchema", "PriorityLevelConfiguration", "StorageVersion",
        "DeviceClass", "ResourceSlice", "IPAddress", "ServiceCIDR",
        "TokenReview", "SelfSubjectReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview",
        "SubjectAccessReview", "ClusterIssuer");

    private ClusterScopedKinds() {
    }

    static boolean contains(String kind) {
        return KINDS.contains(kind);
    }
}
