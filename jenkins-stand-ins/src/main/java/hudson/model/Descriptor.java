package hudson.model;

import net.sf.json.JSONObject;
import org.kohsuke.stapler.StaplerRequest2;

public abstract class Descriptor<T extends Describable<T>> {
    protected Descriptor() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    protected Descriptor(Class<? extends T> clazz) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public String getDisplayName() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public synchronized void load() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public synchronized void save() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public T newInstance(StaplerRequest2 req, JSONObject formData) throws FormException {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    /** Reduced: the real class also carries the form field's name. */
    public static final class FormException extends Exception {
        private static final long serialVersionUID = 1L;

        public FormException(String message, String formField) {
            throw new UnsupportedOperationException("compile-only stand-in");
        }
    }
}
