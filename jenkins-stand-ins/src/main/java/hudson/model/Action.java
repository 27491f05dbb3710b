package hudson.model;

/** Reduced: the real interface extends {@code ModelObject} and declares the icon, display name and URL methods. */
public interface Action {
}
