package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeletionQueueTest {
    private final List<DeletionQueue.Outcome> outcomes = new CopyOnWriteArrayList<>();
    private DeletionQueue queue;

    @AfterEach
    void close() {
        if (queue != null) {
            queue.close();
        }
    }

    private List<DeletionQueue.Outcome> awaitOutcomes(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (outcomes.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return List.copyOf(outcomes);
    }

    @Test
    void tasksRunOffTheCallersThreadAndReportTheirResult() throws Exception {
        queue = new DeletionQueue("test", 1, 4, Duration.ofSeconds(10), outcomes::add);
        Thread caller = Thread.currentThread();
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        assertThat(queue.submit("a", () -> {
            ranOn.add(Thread.currentThread());
            return "deleted 3 objects";
        })).isTrue();
        assertThat(awaitOutcomes(1)).containsExactly(
            new DeletionQueue.Outcome("a", DeletionQueue.Status.DONE, "deleted 3 objects"));
        assertThat(ranOn).singleElement().isNotSameAs(caller);
        assertThat(queue.isQueued("a")).isFalse();
    }

    @Test
    void failuresAreReportedNotThrown() throws Exception {
        queue = new DeletionQueue("test", 1, 4, Duration.ofSeconds(10), outcomes::add);
        queue.submit("a", () -> {
            throw new IllegalStateException("the API server refused");
        });
        assertThat(awaitOutcomes(1)).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(DeletionQueue.Status.FAILED);
            assertThat(o.detail()).contains("the API server refused");
        });
    }

    @Test
    void aTaskOfTheSameNameIsNotQueuedTwice() throws Exception {
        queue = new DeletionQueue("test", 1, 4, Duration.ofSeconds(10), outcomes::add);
        CountDownLatch release = new CountDownLatch(1);
        assertThat(queue.submit("a", () -> {
            release.await(5, TimeUnit.SECONDS);
            return "first";
        })).isTrue();
        assertThat(queue.submit("a", () -> "second")).isFalse();
        release.countDown();
        assertThat(awaitOutcomes(1)).extracting(DeletionQueue.Outcome::detail).containsExactly("first");
        Thread.sleep(100);
        assertThat(outcomes).hasSize(1);
        assertThat(queue.submit("a", () -> "third")).as("accepted again once the first ended").isTrue();
    }

    @Test
    void aTaskThatRunsTooLongIsInterruptedAndReported() throws Exception {
        queue = new DeletionQueue("test", 1, 4, Duration.ofMillis(200), outcomes::add);
        CountDownLatch interrupted = new CountDownLatch(1);
        queue.submit("slow", () -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "never";
        });
        assertThat(awaitOutcomes(1)).singleElement()
            .satisfies(o -> assertThat(o.status()).isEqualTo(DeletionQueue.Status.TIMED_OUT));
        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFullQueueRejectsAndSaysSo() throws Exception {
        queue = new DeletionQueue("test", 1, 1, Duration.ofSeconds(10), outcomes::add);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        queue.submit("busy", () -> {
            started.countDown();
            release.await(5, TimeUnit.SECONDS);
            return "";
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(queue.submit("waiting", () -> "")).isTrue();
        assertThat(queue.submit("one too many", () -> "")).isFalse();
        assertThat(outcomes).singleElement().satisfies(o -> {
            assertThat(o.name()).isEqualTo("one too many");
            assertThat(o.status()).isEqualTo(DeletionQueue.Status.REJECTED);
        });
        assertThat(queue.isQueued("one too many")).isFalse();
        release.countDown();
        assertThat(awaitOutcomes(3)).hasSize(3);
    }
}
