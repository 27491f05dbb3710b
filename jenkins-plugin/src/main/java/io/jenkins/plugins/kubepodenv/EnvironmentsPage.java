package io.jenkins.plugins.kubepodenv;

import hudson.Extension;
import hudson.model.ManagementLink;
import hudson.security.ACL;
import hudson.security.ACLContext;
import hudson.security.Permission;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentRow;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.config.ClusterConnection;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import jenkins.model.Jenkins;

/**
 * Manage Jenkins > kube-pod-env environments: every environment of every configured namespace with its state (ready,
 * sleeping, not ready, incomplete), age and last use, as {@code kpe ls} shows them. Administrators only.
 */
@Extension
public final class EnvironmentsPage extends ManagementLink {
    /**
     * One configured namespace: its environments, or why they could not be listed.
     *
     * @param place the namespace and where its cluster is configured
     * @param rows its environments; empty when {@code problem} is set
     * @param problem why the namespace could not be listed, or null
     */
    public record Place(String place, List<EnvironmentRow> rows, String problem) {
    }

    @Override
    public String getIconFileName() {
        return "symbol-cube";
    }

    @Override
    public String getDisplayName() {
        return "kube-pod-env environments";
    }

    @Override
    public String getDescription() {
        return "The Docker hosts on Kubernetes of this controller's builds: state, age, last use";
    }

    @Override
    public String getUrlName() {
        return "kube-pod-env";
    }

    @Override
    public Permission getRequiredPermission() {
        return Jenkins.ADMINISTER;
    }

    @Override
    public Category getCategory() {
        return Category.STATUS;
    }

    /** Lists every configured namespace now (one list call each), with this controller's credentials. */
    public List<Place> getPlaces() {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        List<Place> places = new ArrayList<>();
        try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
            for (EnvironmentCleanup.Target target : EnvironmentCleanup.allTargets()) {
                ClusterConnection connection = null;
                try {
                    connection = target.connect();
                    try (KubernetesClient client = connection.newClient();
                        KubePodEnv engine = new KubePodEnv(client, target.options())) {
                        Instant now = Instant.now();
                        places.add(new Place(target.describe(), engine.list().stream()
                            .map(e -> EnvironmentRow.of(e, now)).toList(), null));
                    }
                } catch (IOException | RuntimeException e) {
                    places.add(new Place(target.describe(), List.of(), connection == null ? e.getMessage()
                        : connection.masker().describe(e)));
                }
            }
        }
        return places;
    }
}
