/**
 * Decisions a CI integration has to make before it calls the engine, made here so that they are tested without the
 * CI system: merging step parameters over job, folder and global settings into {@link io.kubepodenv.engine.Options},
 * the environment key and keep rule of a build, the cluster connection built from plain credential values (never from
 * ambient configuration), the variables handed to the build's commands, and the masking of secrets in messages.
 *
 * <p>Nothing here depends on Jenkins; the Jenkins plugin converts its configuration objects and credentials into
 * these value types and back.
 */
package io.kubepodenv.engine.config;
