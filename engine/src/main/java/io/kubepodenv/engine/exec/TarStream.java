package io.kubepodenv.engine.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A tar archive written by a thread of its own into a pipe that a pod command reads as its standard input, with the
 * archive's exact size measured first: busybox tar reads its input to the end even after the archive's end marker, and
 * the v4 exec protocol cannot close stdin, so the command ends tar's input with {@code head -c SIZE}. Close it when the
 * command is done; a failure to read the files is then in {@link #failure()}.
 */
public final class TarStream implements AutoCloseable {
    private static final int PIPE_BUFFER = 256 * 1024;

    /** Writes the archive's entries; with {@code withContent} false, only sizes count (the measuring pass). */
    @FunctionalInterface
    public interface Entries {
        void write(TarWriter tar, boolean withContent) throws IOException;
    }

    private final long size;
    private final PipedInputStream input;
    private final Thread writer;
    private final AtomicReference<IOException> failure = new AtomicReference<>();

    private TarStream(Entries entries, String threadName) throws IOException {
        TarWriter measure = new TarWriter(OutputStream.nullOutputStream());
        entries.write(measure, false);
        measure.finish();
        size = measure.size();
        input = new PipedInputStream(PIPE_BUFFER);
        PipedOutputStream output;
        try {
            output = new PipedOutputStream(input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writer = new Thread(() -> {
            try (output) {
                TarWriter tar = new TarWriter(output);
                entries.write(tar, true);
                tar.finish();
            } catch (IOException e) {
                failure.set(e);
            }
        }, threadName);
        writer.setDaemon(true);
    }

    /**
     * Measures the archive, then starts writing it.
     *
     * @throws IOException when the files cannot be read for the measurement
     */
    public static TarStream start(Entries entries, String threadName) throws IOException {
        TarStream stream = new TarStream(entries, threadName);
        stream.writer.start();
        return stream;
    }

    /** The archive's exact size in bytes. */
    public long size() {
        return size;
    }

    /** What the pod command reads. */
    public InputStream input() {
        return input;
    }

    /** Why the files could not be read while the archive was written, or null. */
    public IOException failure() {
        return failure.get();
    }

    /** Closes the pipe, so that a writer still writing stops. */
    @Override
    public void close() {
        try {
            input.close();
        } catch (IOException ignored) {
            // the writer sees the closed pipe and stops
        }
        writer.interrupt();
    }
}
