package io.kubepodenv.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time (user + system) of processes on Linux, from {@code /proc/<pid>/stat}, in seconds. Clock ticks are taken
 * as 100 per second (USER_HZ on every Linux architecture this runs on).
 */
final class ProcessCpu {
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessCpu() {
    }

    /** CPU seconds {@code pid} has used so far; NaN when it cannot be read (not Linux, process gone). */
    static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after the command: state(0) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(11)
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * The control plane's processes that carry port-forwards, from {@code KPE_BENCH_SERVER_PIDS}
     * ({@code name=pid,name=pid}, set by bench/run.sh); empty when it is not set.
     */
    static Map<String, Long> serverProcesses() {
        Map<String, Long> pids = new LinkedHashMap<>();
        String spec = System.getenv().getOrDefault("KPE_BENCH_SERVER_PIDS", "");
        for (String entry : spec.split(",")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                pids.put(entry.substring(0, eq).trim(), Long.parseLong(entry.substring(eq + 1).trim()));
            }
        }
        return pids;
    }
}
