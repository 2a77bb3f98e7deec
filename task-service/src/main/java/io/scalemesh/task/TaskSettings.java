package io.scalemesh.task;

import java.time.Duration;
import java.util.List;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

/**
 * task-service's settings ({@code mesh.task.*}), read once and checked at start: a missing or
 * mistyped value stops the service. Their values, and why each is what it is, live in
 * application.properties, never here.
 */
@ConfigMapping(prefix = "mesh.task")
public interface TaskSettings {

    /** api, worker or both (see Role). */
    String role();

    /** Above this many unfinished tasks, POST answers 429. */
    long maxQueueDepth();

    /** How often the queue depth is read again. */
    Duration depthRefresh();

    /** Runs of a task before it fails for good. */
    int maxAttempts();

    /** The first retry's wait; each retry doubles it, up to retryMaxBackoff. */
    Duration retryBackoff();

    Duration retryMaxBackoff();

    Sum sum();

    Report report();

    Worker worker();

    Accept accept();

    Outbox outbox();

    Db db();

    interface Sum {
        int maxNumbers();
    }

    interface Report {
        /** host:port of each analytics-service instance, used in turn. */
        List<String> analyticsInstances();

        long roundsPerDay();

        Duration timeout();
    }

    interface Worker {
        int concurrency();

        /** Tasks per second per instance at most (0: as fast as it can). */
        double maxRate();
    }

    /** Group commits of accepts (AcceptBatcher). */
    interface Accept {
        int maxBatch();

        int maxInFlight();

        int maxPending();
    }

    interface Outbox {
        int batchSize();

        Duration pollInterval();

        Duration orphanAfter();

        /** How long a relayed batch may wait for the broker before it is tried again. */
        Duration sendTimeout();
    }

    interface Db {
        /** Queries waiting for a connection at most (BoundedPool). */
        @WithName("max-wait-queue-size")
        int maxWaitQueueSize();
    }
}
