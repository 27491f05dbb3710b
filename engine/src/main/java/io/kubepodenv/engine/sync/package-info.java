/**
 * The workspace mirrored into the Docker host's pod, so that bind mounts name the same files for the Docker server
 * as on the machine that runs the build: {@link io.kubepodenv.engine.sync.WorkspaceSync}. Only JDK types: these
 * classes run on Jenkins agents, where no Kubernetes client is loaded.
 */
package io.kubepodenv.engine.sync;
