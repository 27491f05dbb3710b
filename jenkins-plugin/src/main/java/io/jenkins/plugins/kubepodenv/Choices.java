package io.jenkins.plugins.kubepodenv;

import hudson.util.ListBoxModel;
import io.kubepodenv.engine.config.ConnectionMode;

/** Drop-down choices shared by the step, the build wrapper and the settings form; "" always means "inherit". */
final class Choices {
    private Choices() {
    }

    static ListBoxModel keep() {
        ListBoxModel m = new ListBoxModel();
        m.add("(default: keep for pull requests, delete otherwise)", "");
        m.add("keep", "true");
        m.add("delete", "false");
        return m;
    }

    static ListBoxModel sync() {
        ListBoxModel m = new ListBoxModel();
        m.add("(inherit; default: no mirror)", "");
        m.add("mirror the workspace", "true");
        m.add("no mirror", "false");
        return m;
    }

    static ListBoxModel serverSideApply() {
        ListBoxModel m = new ListBoxModel();
        m.add("(inherit; default: server-side apply)", "");
        m.add("server-side apply", "true");
        m.add("create or update", "false");
        return m;
    }

    static ListBoxModel connectionModes() {
        ListBoxModel m = new ListBoxModel();
        m.add("(inherit; default: tunnel)", "");
        for (ConnectionMode mode : ConnectionMode.values()) {
            m.add(mode.id(), mode.id());
        }
        return m;
    }
}
