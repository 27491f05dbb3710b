package io.kubepodenv.engine.testing;

import io.kubepodenv.engine.ProgressListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A progress listener that keeps every line, for assertions on what the user would read. */
public final class RecordingListener implements ProgressListener {
    private final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void progress(String message) {
        lines.add(message);
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** All lines joined with newlines. */
    public String text() {
        return String.join("\n", lines);
    }
}
