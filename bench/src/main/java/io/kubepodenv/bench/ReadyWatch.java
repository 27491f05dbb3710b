package io.kubepodenv.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Our own watch of a namespace's StatefulSets and pods (on a client of its own), recording when each event that
 * matters arrived: StatefulSet added, StatefulSet with a ready replica, pod Ready. The cluster's share of an
 * {@code up} is measured from these receive times, not from the objects' 1-second timestamps.
 */
final class ReadyWatch implements AutoCloseable {
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    private final Watch statefulSets;
    private final Watch pods;

    ReadyWatch(KubernetesClient client, String namespace) {
        statefulSets = client.apps().statefulSets().inNamespace(namespace).watch(new Watcher<StatefulSet>() {
            @Override
            public void eventReceived(Action action, StatefulSet s) {
                long now = System.nanoTime();
                String name = s.getMetadata().getName();
                if (action == Action.ADDED) {
                    seen.putIfAbsent("sts-added:" + name, now);
                }
                Integer ready = s.getStatus() == null ? null : s.getStatus().getReadyReplicas();
                if (action != Action.DELETED && ready != null && ready >= 1) {
                    seen.putIfAbsent("sts-ready:" + name, now);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        pods = client.pods().inNamespace(namespace).watch(new Watcher<Pod>() {
            @Override
            public void eventReceived(Action action, Pod p) {
                long now = System.nanoTime();
                if (action != Action.DELETED && p.getStatus() != null && p.getStatus().getConditions() != null
                    && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) {
                    seen.putIfAbsent("pod-ready:" + p.getMetadata().getName(), now);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    long statefulSetAdded(String name) {
        return get("sts-added", name);
    }

    long statefulSetReady(String name) {
        return get("sts-ready", name);
    }

    long podReady(String pod) {
        return get("pod-ready", pod);
    }

    private long get(String what, String name) {
        Long t = seen.get(what + ":" + name);
        if (t == null) {
            throw new IllegalStateException("no " + what + " event seen for " + name);
        }
        return t;
    }

    @Override
    public void close() {
        statefulSets.close();
        pods.close();
    }
}
