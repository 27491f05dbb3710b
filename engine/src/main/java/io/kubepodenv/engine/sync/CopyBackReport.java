package io.kubepodenv.engine.sync;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** What one copy back did: entries and bytes written into the local tree, requested paths the pod did not have. */
public record CopyBackReport(String path, int received, long bytesReceived, List<String> missing, Duration took) {
    public CopyBackReport {
        Objects.requireNonNull(path, "path");
        missing = List.copyOf(missing);
        Objects.requireNonNull(took, "took");
    }

    /** One line for a build log or a terminal. */
    public String describe() {
        return "copied back into " + path + ": " + received + " entries (" + Bytes.human(bytesReceived) + ") in "
                + Bytes.seconds(took) + (missing.isEmpty() ? "" : "; not in the Docker host: "
                + String.join(", ", missing));
    }
}
