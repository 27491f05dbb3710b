package io.kubepodenv.engine.lifecycle;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Runs cleanup work off the caller's thread (an event listener must not talk to a cluster): a few worker threads, a
 * bounded queue, one task per name at a time, and a time limit per task after which the task is interrupted and
 * reported as timed out. Every outcome, including a rejected task, goes to the report consumer.
 */
public final class DeletionQueue implements AutoCloseable {
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watchdog;
    private final Duration timeout;
    private final Consumer<Outcome> report;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();

    /** How a task ended. */
    public enum Status {
        DONE, FAILED, TIMED_OUT, REJECTED
    }

    /**
     * One task's outcome.
     *
     * @param name the task's name (what it cleans up)
     * @param status how it ended
     * @param detail the task's result on success, the failure's message otherwise
     */
    public record Outcome(String name, Status status, String detail) {
    }

    /**
     * @param threads how many tasks run at once
     * @param capacity how many tasks may wait; more are rejected (and reported)
     * @param timeout how long one task may run
     * @param report receives every outcome, on a worker or watchdog thread; must not throw
     */
    public DeletionQueue(String threadName, int threads, int capacity, Duration timeout, Consumer<Outcome> report) {
        if (threads < 1 || capacity < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("threads, capacity and timeout must be positive");
        }
        this.timeout = timeout;
        this.report = Objects.requireNonNull(report);
        this.workers = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(capacity), daemons(threadName));
        this.workers.allowCoreThreadTimeOut(true);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemons(threadName + " watchdog"));
    }

    private static ThreadFactory daemons(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + " " + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Queues {@code task} unless a task of the same name is already queued or running (then it is covered by that
     * one, and nothing is queued).
     *
     * @return false when a task of that name was already queued or running, or the queue was full
     */
    public boolean submit(String name, Callable<String> task) {
        if (!queued.add(name)) {
            return false;
        }
        AtomicBoolean reported = new AtomicBoolean();
        AtomicBoolean started = new AtomicBoolean();
        AtomicReference<Future<?>> timer = new AtomicReference<>();
        Runnable body = () -> {
            started.set(true);
            try {
                String result = task.call();
                once(reported, new Outcome(name, Status.DONE, result == null ? "" : result));
            } catch (InterruptedException e) {
                once(reported, new Outcome(name, Status.TIMED_OUT, "interrupted"));
                Thread.currentThread().interrupt();
            } catch (Exception | LinkageError e) {
                once(reported, new Outcome(name, Status.FAILED, describe(e)));
            } finally {
                Future<?> t = timer.get();
                if (t != null) {
                    t.cancel(false);
                }
                queued.remove(name);
            }
        };
        Future<?> running;
        try {
            running = workers.submit(body);
        } catch (RejectedExecutionException e) {
            queued.remove(name);
            once(reported, new Outcome(name, Status.REJECTED, "too many cleanups are waiting; the periodic "
                + "reconciliation will retry"));
            return false;
        }
        // The time limit counts from submission: a task that waited long in the queue gets less time, never more.
        try {
            timer.set(watchdog.schedule(() -> {
                if (!running.isDone()) {
                    once(reported, new Outcome(name, Status.TIMED_OUT, "still running after " + timeout.toSeconds()
                        + " s; interrupted"));
                    if (running.cancel(true) && !started.get()) {
                        queued.remove(name); // never started, so its own cleanup will not run
                    }
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException e) {
            // closing: the task runs unguarded, as the executor is shutting down anyway
        }
        return true;
    }

    private void once(AtomicBoolean reported, Outcome outcome) {
        if (reported.compareAndSet(false, true)) {
            try {
                report.accept(outcome);
            } catch (RuntimeException ignored) {
                // a broken report must not kill a worker
            }
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Whether a task of {@code name} is queued or running. */
    public boolean isQueued(String name) {
        return queued.contains(name);
    }

    /**
     * Waits at most {@code wait} for the queued and running tasks to end, then interrupts what is left.
     */
    public void close(Duration wait) throws InterruptedException {
        workers.shutdown();
        if (!workers.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            workers.shutdownNow();
        }
        watchdog.shutdownNow();
    }

    @Override
    public void close() {
        workers.shutdownNow();
        watchdog.shutdownNow();
    }
}
