package io.jenkins.plugins.kubepodenv;

import hudson.EnvVars;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;
import org.jenkinsci.plugins.workflow.steps.GeneralNonBlockingStepExecution;
import org.jenkinsci.plugins.workflow.steps.StepContext;

/**
 * Provisions off the CPS VM thread, runs the block with the Docker variables, and releases in a tail call. Its state
 * is Strings only; the agent's workspace is asked from the context again at the end, so the release works after a
 * controller restart.
 */
final class KubePodEnvStepExecution extends GeneralNonBlockingStepExecution {
    private static final long serialVersionUID = 1L;
    /** Only needed to start; not kept across a restart. */
    private final transient KubePodEnvStep step;

    KubePodEnvStepExecution(KubePodEnvStep step, StepContext context) {
        super(context);
        this.step = step;
    }

    @Override
    public boolean start() throws Exception {
        run(this::provision);
        return false;
    }

    private void provision() throws Exception {
        StepContext context = getContext();
        EnvironmentLease.Held held = EnvironmentLease.acquire(context.get(Run.class), context.get(FilePath.class),
            context.get(TaskListener.class), context.get(EnvVars.class), step.toLayer());
        context.newBodyInvoker()
            .withContexts(EnvironmentExpander.merge(context.get(EnvironmentExpander.class),
                new DockerHostExpander(held.body())))
            .withCallback(new Release(held.tunnelId(), held.key(), held.namespace(), held.keep()))
            .start();
    }

    private final class Release extends TailCall {
        private static final long serialVersionUID = 1L;
        private final String tunnelId;
        private final String key;
        private final String namespace;
        private final boolean keep;

        Release(String tunnelId, String key, String namespace, boolean keep) {
            this.tunnelId = tunnelId;
            this.key = key;
            this.namespace = namespace;
            this.keep = keep;
        }

        @Override
        protected void finished(StepContext context) throws Exception {
            EnvironmentLease.release(context.get(Run.class), context.get(FilePath.class),
                context.get(TaskListener.class), tunnelId, key, namespace, keep);
        }
    }
}
