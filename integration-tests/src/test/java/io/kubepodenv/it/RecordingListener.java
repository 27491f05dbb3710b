package io.kubepodenv.it;

import io.kubepodenv.engine.ProgressListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps the engine's progress lines (and echoes them, so a failed run's output shows what happened). */
class RecordingListener implements ProgressListener {
    private final String prefix;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    RecordingListener(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public void progress(String message) {
        lines.add(message);
        System.out.println("[" + prefix + "] " + message);
    }

    String text() {
        return String.join("\n", lines);
    }
}
