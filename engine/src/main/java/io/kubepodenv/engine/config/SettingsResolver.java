package io.kubepodenv.engine.config;

import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.TemplateSource;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Merges settings levels, most general first (global, folders from the outermost in, job, step parameters): for each
 * field the most specific level that sets it wins. Every value is validated with the name of its level and field in
 * the message, and levels that are not {@link SettingsLayer#trusted() trusted} may not set the cluster or the template.
 */
public final class SettingsResolver {
    /** Where a level-less default comes from, in messages. */
    public static final String DEFAULTS = "built-in defaults";

    private static final TemplateSource PROBE_TEMPLATE = new TemplateSource("value check", "-");

    private final String owner;

    /**
     * @param owner the owner label value of the environments created (the CI controller's identity)
     */
    public SettingsResolver(String owner) {
        this.owner = owner;
    }

    /**
     * Merges {@code levels}, most general first.
     *
     * @throws InvalidInputException naming the level and field of the first invalid value, or saying that no level
     *     configures a cluster
     */
    public ResolvedSettings resolve(List<SettingsLayer> levels) {
        Options.Builder b = Options.builder().owner(owner);
        ClusterTarget cluster = null;
        String clusterOrigin = null;
        TemplateSource template = null;
        ConnectionMode mode = ConnectionMode.TUNNEL;
        Boolean keep = null;
        boolean sync = false;
        for (SettingsLayer level : levels) {
            if (!level.trusted()) {
                if (level.cluster() != null) {
                    throw new InvalidInputException(level.origin() + ": the cluster and credentials can only be set "
                        + "in the global, folder or job configuration");
                }
                if (level.template() != null) {
                    throw new InvalidInputException(level.origin() + ": the template can only be set in the global, "
                        + "folder or job configuration");
                }
            }
            if (level.cluster() != null) {
                level.cluster().validate(level.origin());
                cluster = level.cluster();
                clusterOrigin = level.origin();
            }
            if (level.template() != null) {
                String text = level.template();
                template = at(level, "template", () -> new TemplateSource("template of the " + level.origin(), text));
            }
            set(level, "namespace", level.namespace(), Options.Builder::namespace, b);
            set(level, "storage class", level.storageClass(), Options.Builder::storageClass, b);
            set(level, "storage size", level.storageSize(), (o, v) -> o.storageSize(v), b);
            if (level.serverSideApply() != null) {
                b.serverSideApply(level.serverSideApply());
            }
            set(level, "ready timeout", level.readyTimeout(), (o, v) -> o.readyTimeout(v), b);
            set(level, "sleep after", level.sleepAfter(), (o, v) -> o.sleepAfter(v), b);
            set(level, "max idle", level.maxIdle(), (o, v) -> o.maxIdle(v), b);
            if (level.connectionMode() != null) {
                mode = at(level, "connection mode", () -> ConnectionMode.parse(level.connectionMode()));
            }
            if (level.keep() != null) {
                keep = level.keep();
            }
            if (level.sync() != null) {
                sync = level.sync();
            }
        }
        if (cluster == null) {
            throw new InvalidInputException("no Kubernetes cluster is configured: set one in the global configuration "
                + "(Manage Jenkins > System > kube-pod-env), or in a folder or job");
        }
        if (template != null) {
            b.template(template);
        }
        Options options = at(null, "options", b::build);
        return new ResolvedSettings(options, cluster, clusterOrigin, mode, Optional.ofNullable(keep), sync);
    }

    /** Applies {@code value} to the builder after checking it alone, so that an error names its level and field. */
    private static void set(SettingsLayer level, String field, String value, BiConsumer<Options.Builder, String> setter,
        Options.Builder target) {
        if (value == null) {
            return;
        }
        at(level, field, () -> {
            Options.Builder probe = Options.builder().template(PROBE_TEMPLATE);
            setter.accept(probe, value);
            return probe.build();
        });
        setter.accept(target, value);
    }

    private static <T> T at(SettingsLayer level, String field, Supplier<T> action) {
        try {
            return action.get();
        } catch (InvalidInputException e) {
            if (level == null) {
                throw e;
            }
            throw new InvalidInputException(level.origin() + ", " + field + ": " + stripFieldPrefix(e.getMessage()),
                e);
        }
    }

    private static String stripFieldPrefix(String message) {
        // Engine messages start with the option's name ("storage size: ..."); the level's prefix already names it.
        int colon = message.indexOf(": ");
        return colon > 0 && colon < 30 ? message.substring(colon + 2) : message;
    }

}
