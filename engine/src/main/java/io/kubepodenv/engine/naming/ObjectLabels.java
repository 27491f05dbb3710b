package io.kubepodenv.engine.naming;

/** The label and annotation names the engine writes on every object it creates, and reads to find them again. */
public final class ObjectLabels {
    public static final String PREFIX = "kube-pod-env.io/";

    /** Label {@code app.kubernetes.io/managed-by}; its value is {@link #MANAGED_BY_VALUE}. */
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "kube-pod-env";
    /** Label carrying the instance id. */
    public static final String INSTANCE = PREFIX + "instance";
    /** Label carrying the sanitised, readable environment key. */
    public static final String KEY = PREFIX + "key";
    /** Label carrying {@link io.kubepodenv.engine.EnvironmentKey#hash()}: what lookups select on. */
    public static final String KEY_HASH = PREFIX + "key-hash";
    /** Label set by the template on exactly one StatefulSet: the one that runs the Docker server. */
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String DOCKER_HOST_COMPONENT = "docker-host";
    /** Value of {@link #COMPONENT} on the environment's record, the object that owns all the others. */
    public static final String RECORD_COMPONENT = "environment-record";
    /** Label naming who owns the environment (a Jenkins controller, or {@code kpe}); optional. */
    public static final String OWNER = PREFIX + "owner";

    /** Annotation with the whole, unshortened environment key. */
    public static final String KEY_ANNOTATION = PREFIX + "key";
    /** Annotation with the hash of the rendered template. */
    public static final String TEMPLATE_HASH = PREFIX + "template-hash";
    /** Annotation with the creation time (ISO-8601 instant). */
    public static final String CREATED_AT = PREFIX + "created-at";
    /** Annotation, on the docker-host StatefulSet, listing every kind the template created. */
    public static final String KINDS = PREFIX + "kinds";
    /** Annotation, on the docker-host StatefulSet, with the Docker server's container port. */
    public static final String DOCKER_PORT = PREFIX + "docker-port";
    /** Annotation, on the docker-host StatefulSet: {@code "true"} when the Docker server requires TLS. */
    public static final String DOCKER_TLS = PREFIX + "docker-tls";
    /** Annotation, on the environment's record: the name of the docker-host StatefulSet. */
    public static final String DOCKER_HOST = PREFIX + "docker-host";
    /** Annotation, on the environment's record: {@code "true"} once every object of the template was applied. */
    public static final String COMPLETE = PREFIX + "complete";
    /** Annotation, on the docker-host StatefulSet: when a build last used the environment (ISO-8601 instant). */
    public static final String LAST_USED_AT = PREFIX + "last-used-at";
    /** Annotation, on the docker-host StatefulSet while it sleeps: when it was put to sleep (ISO-8601 instant). */
    public static final String ASLEEP_SINCE = PREFIX + "asleep-since";
    /** Annotation, on the docker-host StatefulSet: the idle time after which it sleeps (ISO-8601 duration). */
    public static final String SLEEP_AFTER = PREFIX + "sleep-after";
    /** Annotation, on the docker-host StatefulSet: the idle time after which it is deleted (ISO-8601 duration). */
    public static final String MAX_IDLE = PREFIX + "max-idle";
    /** Prefix of caller-supplied annotations (owner's metadata such as the pull request's URL). */
    public static final String ATTRIBUTE_PREFIX = PREFIX + "attr-";

    private ObjectLabels() {
    }
}
