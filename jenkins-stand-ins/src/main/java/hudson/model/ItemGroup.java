package hudson.model;

import java.util.Collection;

/** Reduced: the real interface also extends FullyNamed, FullyNamedModelObject and PersistenceRoot. */
public interface ItemGroup<T extends Item> {
    Collection<T> getItems();

    default <T extends Item> Iterable<T> allItems(Class<T> type) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    String getFullName();

    String getFullDisplayName();
}
