package hudson.util;

import java.util.ArrayList;

public class ListBoxModel extends ArrayList<ListBoxModel.Option> {
    private static final long serialVersionUID = 1L;

    public ListBoxModel() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public void add(String displayName, String value) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static final class Option {
        private Option() {
        }
    }
}
