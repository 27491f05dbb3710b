package io.kubepodenv.engine.sync;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;

/** Runs a command in the first container of the Docker host's pod (pod exec), to its end. */
@FunctionalInterface
public interface PodCommands {
    /**
     * @param stdin copied to the command's input, or null for none; the command must know by itself where its input
     *              ends (the exec protocol cannot close it)
     * @return the command's exit code
     * @throws io.kubepodenv.engine.KubePodEnvException if it cannot be run or does not end within {@code timeout}
     */
    int run(List<String> command, InputStream stdin, OutputStream stdout, OutputStream stderr, Duration timeout);
}
