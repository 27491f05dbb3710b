package io.jenkins.plugins.kubepodenv;

import hudson.model.TaskListener;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.config.SecretMasker;

/** The engine's progress, in the build log, prefixed and masked. */
final class BuildLog implements ProgressListener {
    private final TaskListener listener;
    private final SecretMasker masker;

    BuildLog(TaskListener listener, SecretMasker masker) {
        this.listener = listener;
        this.masker = masker;
    }

    @Override
    public void progress(String message) {
        listener.getLogger().println("[kube-pod-env] " + masker.mask(message));
    }

    @Override
    public void warning(String message) {
        listener.getLogger().println("[kube-pod-env] WARNING: " + masker.mask(message));
    }
}
