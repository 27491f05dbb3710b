package io.kubepodenv.engine;

import io.kubepodenv.engine.naming.LabelValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything that shapes how environments are provisioned. Built and validated once, at the edge (command line
 * flags, Jenkins configuration), with {@link #builder()}: an {@code Options} value is always valid.
 *
 * @param namespace where every object of an environment lives; a DNS label
 * @param kubeconfig a kubeconfig file; empty: the ambient configuration (KUBECONFIG, ~/.kube/config, in-cluster)
 * @param context a context of the kubeconfig; empty: its current context
 * @param template the Jinja template rendered for each environment
 * @param serverSideApply apply with server-side apply (default) instead of create-or-update
 * @param storageClass the StorageClass of the Docker server's volume; empty: the cluster's default
 * @param storageSize the size of that volume
 * @param readyTimeout how long {@code up} waits for the Docker server to answer
 * @param deleteTimeout how long {@code down} waits for objects to disappear, when asked to wait
 * @param fieldManager the server-side apply field manager
 * @param owner who owns the environments created (a label value): a Jenkins controller, or {@code kpe}
 * @param keepOnFailure keep a newly created environment that failed to become ready, for inspection
 * @param idleLimits when the environments this build uses sleep and expire for want of use (recorded on them)
 */
public record Options(
    String namespace,
    Optional<Path> kubeconfig,
    Optional<String> context,
    TemplateSource template,
    boolean serverSideApply,
    Optional<String> storageClass,
    StorageSize storageSize,
    Duration readyTimeout,
    Duration deleteTimeout,
    String fieldManager,
    String owner,
    boolean keepOnFailure,
    IdleLimits idleLimits) {

    public static final String DEFAULT_NAMESPACE = "default";
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_DELETE_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration MAX_TIMEOUT = Duration.ofHours(6);
    public static final String DEFAULT_FIELD_MANAGER = "kube-pod-env";
    public static final String DEFAULT_OWNER = "kpe";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN =
        Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    public Options {
        Objects.requireNonNull(kubeconfig, "kubeconfig");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(storageClass, "storageClass");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(storageSize, "storageSize");
        Objects.requireNonNull(idleLimits, "idleLimits");
        checkNamespace(namespace);
        context.ifPresent(c -> {
            if (c.isBlank() || c.chars().anyMatch(Character::isISOControl)) {
                throw new InvalidInputException("context: must be a context name of the kubeconfig, got '" + c + "'");
            }
        });
        storageClass.ifPresent(Options::checkStorageClass);
        checkTimeout("ready timeout", readyTimeout);
        checkTimeout("delete timeout", deleteTimeout);
        if (fieldManager == null || fieldManager.isBlank() || fieldManager.length() > 128
            || fieldManager.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new InvalidInputException("field manager: 1 to 128 printable ASCII characters without spaces, got '"
                + fieldManager + "'");
        }
        if (owner == null || !LabelValues.isValid(owner) || owner.isEmpty()) {
            throw new InvalidInputException("owner: must be a label value (letters, digits, '-', '_', '.', at most "
                + "63, starting and ending alphanumeric), got '" + owner + "'");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.namespace = namespace;
        b.kubeconfig = kubeconfig.orElse(null);
        b.context = context.orElse(null);
        b.template = template;
        b.serverSideApply = serverSideApply;
        b.storageClass = storageClass.orElse(null);
        b.storageSize = storageSize;
        b.readyTimeout = readyTimeout;
        b.deleteTimeout = deleteTimeout;
        b.fieldManager = fieldManager;
        b.owner = owner;
        b.keepOnFailure = keepOnFailure;
        b.sleepAfter = idleLimits.sleepAfter().orElse(null);
        b.maxIdle = idleLimits.maxIdle().orElse(null);
        return b;
    }

    static void checkNamespace(String namespace) {
        if (namespace == null || namespace.length() > 63 || !DNS_LABEL.matcher(namespace).matches()) {
            throw new InvalidInputException("namespace: '" + namespace + "' is not a valid namespace name (lower-case "
                + "letters, digits and '-', at most 63, starting and ending with a letter or digit)");
        }
    }

    private static void checkStorageClass(String name) {
        if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            throw new InvalidInputException("storage class: '" + name + "' is not a valid StorageClass name (lower-case "
                + "letters, digits, '-' and '.', at most 253)");
        }
    }

    private static void checkTimeout(String option, Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException(option + ": must be positive");
        }
        if (timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new InvalidInputException(option + ": " + Durations.format(timeout) + " is longer than the "
                + Durations.format(MAX_TIMEOUT) + " allowed");
        }
    }

    /** Collects option values from any source; {@link #build()} validates them all. Unset values take defaults. */
    public static final class Builder {
        private String namespace = DEFAULT_NAMESPACE;
        private Path kubeconfig;
        private String context;
        private TemplateSource template;
        private boolean serverSideApply = true;
        private String storageClass;
        private StorageSize storageSize = StorageSize.DEFAULT;
        private Duration readyTimeout = DEFAULT_READY_TIMEOUT;
        private Duration deleteTimeout = DEFAULT_DELETE_TIMEOUT;
        private String fieldManager = DEFAULT_FIELD_MANAGER;
        private String owner = DEFAULT_OWNER;
        private boolean keepOnFailure;
        private Duration sleepAfter;
        private Duration maxIdle;

        private Builder() {
        }

        public Builder namespace(String value) {
            this.namespace = value;
            return this;
        }

        public Builder kubeconfig(Path value) {
            this.kubeconfig = value;
            return this;
        }

        public Builder context(String value) {
            this.context = value;
            return this;
        }

        public Builder template(TemplateSource value) {
            this.template = value;
            return this;
        }

        /** Reads the template from a file; an {@link InvalidInputException} if it can't. */
        public Builder templateFile(Path file) {
            this.template = TemplateSource.fromFile(file);
            return this;
        }

        public Builder serverSideApply(boolean value) {
            this.serverSideApply = value;
            return this;
        }

        public Builder storageClass(String value) {
            this.storageClass = value == null || value.isEmpty() ? null : value;
            return this;
        }

        public Builder storageSize(StorageSize value) {
            this.storageSize = value;
            return this;
        }

        public Builder storageSize(String value) {
            this.storageSize = StorageSize.parse(value);
            return this;
        }

        public Builder readyTimeout(Duration value) {
            this.readyTimeout = value;
            return this;
        }

        public Builder readyTimeout(String value) {
            this.readyTimeout = Durations.parse("ready timeout", value);
            return this;
        }

        public Builder deleteTimeout(Duration value) {
            this.deleteTimeout = value;
            return this;
        }

        public Builder deleteTimeout(String value) {
            this.deleteTimeout = Durations.parse("delete timeout", value);
            return this;
        }

        public Builder fieldManager(String value) {
            this.fieldManager = value;
            return this;
        }

        public Builder owner(String value) {
            this.owner = value;
            return this;
        }

        public Builder keepOnFailure(boolean value) {
            this.keepOnFailure = value;
            return this;
        }

        /** Idle time after which environments sleep; null: never. */
        public Builder sleepAfter(Duration value) {
            this.sleepAfter = value;
            return this;
        }

        public Builder sleepAfter(String value) {
            this.sleepAfter = IdleLimits.parseOne("sleep after", value).orElse(null);
            return this;
        }

        /** Idle time after which environments are deleted; null: never. */
        public Builder maxIdle(Duration value) {
            this.maxIdle = value;
            return this;
        }

        public Builder maxIdle(String value) {
            this.maxIdle = IdleLimits.parseOne("max idle", value).orElse(null);
            return this;
        }

        public Options build() {
            return new Options(namespace, Optional.ofNullable(kubeconfig), Optional.ofNullable(context),
                template == null ? TemplateSource.bundledDefault() : template, serverSideApply,
                Optional.ofNullable(storageClass), storageSize, readyTimeout, deleteTimeout, fieldManager, owner,
                keepOnFailure, new IdleLimits(Optional.ofNullable(sleepAfter), Optional.ofNullable(maxIdle)));
        }
    }
}
