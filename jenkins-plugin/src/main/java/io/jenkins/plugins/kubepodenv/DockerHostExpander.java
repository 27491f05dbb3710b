package io.jenkins.plugins.kubepodenv;

import hudson.EnvVars;
import io.kubepodenv.engine.config.BodyEnvironment;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;

/** Gives the block {@code DOCKER_HOST} and the environment's identity; holds only Strings, so it survives a restart. */
final class DockerHostExpander extends EnvironmentExpander {
    private static final long serialVersionUID = 1L;
    private final String dockerHost;
    private final String environmentId;
    private final String namespace;

    DockerHostExpander(BodyEnvironment environment) {
        this.dockerHost = environment.dockerHost();
        this.environmentId = environment.environmentId();
        this.namespace = environment.namespace();
    }

    @Override
    public void expand(EnvVars env) {
        new BodyEnvironment(dockerHost, environmentId, namespace).applyTo(env);
    }
}
