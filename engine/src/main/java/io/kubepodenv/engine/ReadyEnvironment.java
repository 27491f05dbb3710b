package io.kubepodenv.engine;

import java.time.Duration;

/**
 * The outcome of {@link KubePodEnv#up}: a ready environment.
 *
 * @param environment the environment
 * @param pod the ready pod running the Docker server
 * @param reused true when an existing environment with an unchanged template was reused
 * @param elapsed how long {@code up} took
 */
public record ReadyEnvironment(Environment environment, String pod, boolean reused, Duration elapsed) {
}
