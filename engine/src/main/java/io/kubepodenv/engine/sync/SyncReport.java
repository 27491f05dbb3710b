package io.kubepodenv.engine.sync;

import java.time.Duration;
import java.util.Objects;

/**
 * What one sync did: files (and links and directories) sent with their content bytes, entries found unchanged in the
 * pod, entries deleted there, and how long it took.
 */
public record SyncReport(String path, int sent, long bytesSent, int unchanged, int deleted, Duration took) {
    public SyncReport {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(took, "took");
        if (sent < 0 || bytesSent < 0 || unchanged < 0 || deleted < 0) {
            throw new IllegalArgumentException("negative count");
        }
    }

    /** One line for a build log or a terminal. */
    public String describe() {
        return "synced " + path + " into the Docker host: " + sent + " sent (" + Bytes.human(bytesSent) + "), "
                + unchanged + " unchanged, " + deleted + " deleted, in " + Bytes.seconds(took);
    }
}
