package hudson.security;

public interface AccessControlled {
    default void checkPermission(Permission permission) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    default boolean hasPermission(Permission permission) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
