package io.scalemesh.task.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** mesh.task.worker.max-rate: how long a batch is held so the instance drains at that pace. */
class PacingTest {

    @Test
    void aBatchIsHeldForItsShareOfTimeAtTheMaxRate() {
        // 100 tasks/s for the instance over 2 consumers: each consumer runs at 50/s, so 50 tasks take 1 s.
        assertEquals(Duration.ofSeconds(1), TaskWorker.owed(50, 100, 2, Duration.ZERO));
        assertEquals(Duration.ofMillis(700), TaskWorker.owed(50, 100, 2, Duration.ofMillis(300)), "the work's own time counts");
        assertEquals(Duration.ZERO, TaskWorker.owed(50, 100, 2, Duration.ofSeconds(2)), "a slow batch owes nothing");
    }

    @Test
    void withoutACapNothingWaits() {
        assertEquals(Duration.ZERO, TaskWorker.owed(500, 0, 2, Duration.ZERO));
    }
}
