package io.kubepodenv.engine.exec;

/**
 * What a command run in the pod printed and returned.
 *
 * @param exitCode the command's exit code
 * @param stdout   its standard output (UTF-8), when captured
 * @param stderr   its standard error (UTF-8), when captured
 */
public record ExecResult(int exitCode, String stdout, String stderr) {
}
