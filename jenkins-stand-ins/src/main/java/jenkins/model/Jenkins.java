package jenkins.model;

import hudson.model.ItemGroup;
import hudson.model.TopLevelItem;
import hudson.security.AccessControlled;
import hudson.security.Permission;
import java.util.List;

/** Reduced to the supertypes the plugin relies on (the real class is also a Node, a ModelObject, ...). */
public class Jenkins implements ItemGroup<TopLevelItem>, AccessControlled {
    public static final Permission ADMINISTER = null;

    protected Jenkins() {
    }

    public static Jenkins get() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public String getLegacyInstanceId() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    @Override
    public List<TopLevelItem> getItems() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public String getRootUrl() throws IllegalStateException {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    @Override
    public String getFullName() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    @Override
    public String getFullDisplayName() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public <T extends hudson.model.Descriptor> T getDescriptorByType(Class<T> type) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public hudson.FilePath getRootPath() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    /** The built-in node's computer (reduced). */
    public static class MasterComputer extends hudson.model.Computer {
        protected MasterComputer() {
        }

        @Override
        public String getName() {
            return "";
        }
    }
}
