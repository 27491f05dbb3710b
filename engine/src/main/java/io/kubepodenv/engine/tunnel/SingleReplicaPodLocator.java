package io.kubepodenv.engine.tunnel;

import java.util.regex.Pattern;

/**
 * The pod of a StatefulSet of one replica, by name and without asking the API server: a StatefulSet's pods are named
 * {@code <statefulset>-<ordinal>}, so its only pod is always {@code <statefulset>-0}, and a pod that replaces it (a
 * restart, a rescheduling) has the same name and is reached by the next connection. Needs no Kubernetes client and
 * holds no watch; a pod that is missing or not ready shows as a refused port-forward, which the client of that
 * connection gets as a Docker error.
 *
 * @param statefulSet the StatefulSet's name
 */
public record SingleReplicaPodLocator(String statefulSet) implements PodLocator {
    /** A DNS-1123 label, short enough to take the {@code -0} suffix. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,59}[a-z0-9])?");

    public SingleReplicaPodLocator {
        if (statefulSet == null || !NAME.matcher(statefulSet).matches()) {
            throw new IllegalArgumentException("StatefulSet name: '" + statefulSet + "' is not a DNS-1123 label of"
                    + " at most 61 characters");
        }
    }

    @Override
    public String readyPod() {
        return statefulSet + "-0";
    }

    @Override
    public String describe() {
        return "StatefulSet " + statefulSet + " (pod " + statefulSet + "-0)";
    }
}
