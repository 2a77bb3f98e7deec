package io.scalemesh.task.worker;

import java.time.Duration;
import java.time.Instant;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventTypes;
import io.scalemesh.events.Topics;
import io.scalemesh.events.consumer.DeadLetterException;
import io.scalemesh.events.consumer.EventConsumer;
import io.scalemesh.task.Task;
import io.scalemesh.task.TaskStatus;
import io.scalemesh.task.outbox.Traceparent;
import io.scalemesh.task.store.TaskStore;
import io.scalemesh.task.types.TaskFailure;
import io.scalemesh.task.types.TaskType;
import io.scalemesh.task.types.TaskTypes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Runs tasks from {@code task.requested}: at-least-once delivery, exactly-once completion. A run
 * claims the task (QUEUED, or RUNNING left by a dead worker, becomes RUNNING with one more
 * attempt), does the work, and finishes it together with its {@code task.completed} event in one
 * statement that only the first finisher wins. So a redelivered message finds the task finished
 * and does nothing; a worker killed mid-task leaves it RUNNING, and the redelivery runs it again.
 * A task's work is a pure function of its input: running it twice is harmless, finishing it twice
 * is what cannot happen.
 *
 * <p>A retryable failure is tried again after an exponential backoff (the wait holds this
 * consumer's partition, bounded by the attempt limit); after {@code mesh.task.max-attempts}, or at
 * once for a permanent failure, the task is FAILED, announced, and its message goes to
 * {@code task.requested.dlq}. Concurrency: {@code mesh.task.worker.concurrency} consumers per
 * instance, each its own partitions.
 */
@ApplicationScoped
public class TaskWorker {

    private static final Logger LOG = Logger.getLogger(TaskWorker.class);
    private static final String SOURCE = "/task-service";

    @Inject
    TaskStore store;

    @Inject
    TaskTypes types;

    @Inject
    EventConsumer consumer;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "mesh.task.max-attempts", defaultValue = "4")
    int maxAttempts;

    @ConfigProperty(name = "mesh.task.retry-backoff", defaultValue = "0.5s")
    Duration firstBackoff;

    @ConfigProperty(name = "mesh.task.retry-max-backoff", defaultValue = "8s")
    Duration maxBackoff;

    @ConfigProperty(name = "mesh.instance", defaultValue = "task-service")
    String instance;

    @Incoming("task-requested")
    public Uni<Void> onRequested(String payload) {
        return consumer.handle("task-worker", Topics.TASK_REQUESTED, payload,
                event -> attempt(EventCodec.taskRequested(event).taskId()));
    }

    /** One delivery of a task's message; true when this delivery finished the task. */
    Uni<Boolean> attempt(String taskId) {
        // Taken while the delivery's consume span is current: task.completed continues its trace.
        String traceparent = Traceparent.current();
        return store.claim(taskId, instance).chain(task -> task == null ? Uni.createFrom().item(false) : run(task, traceparent));
    }

    private Uni<Boolean> run(Task task, String traceparent) {
        Timer.Sample started = Timer.start(registry);
        Uni<JsonNode> work = types.find(task.type())
                .map(type -> Uni.createFrom().deferred(() -> type.run(task)))
                .orElseGet(() -> Uni.createFrom().failure(TaskFailure.permanent("unknown task type " + task.type())));
        return work.onItemOrFailure().transformToUni((result, failure) -> {
            if (failure == null) {
                return finish(task, TaskStatus.SUCCEEDED, result, null, started, traceparent);
            }
            boolean retryable = !(failure instanceof TaskFailure tf) || tf.retryable();
            String reason = failure instanceof TaskFailure ? failure.getMessage() : failure.toString();
            if (!retryable || task.attempts() >= maxAttempts) {
                String verdict = "task " + task.id() + " failed after " + task.attempts() + " attempt(s): " + reason;
                return finish(task, TaskStatus.FAILED, null, reason, started, traceparent).chain(finished -> finished
                        ? Uni.createFrom().failure(new DeadLetterException(verdict))
                        : Uni.createFrom().item(false));
            }
            Duration delay = backoff(task.attempts());
            LOG.infof("task %s attempt %d failed (%s); retrying in %d ms", task.id(), task.attempts(), reason, delay.toMillis());
            return store.failedAttempt(task.id(), reason).onItem().delayIt().by(delay).chain(() -> attempt(task.id()));
        });
    }

    private Uni<Boolean> finish(Task task, TaskStatus status, JsonNode result, String error, Timer.Sample started, String traceparent) {
        EventEnvelope completed = EventEnvelope.create(EventTypes.TASK_COMPLETED, SOURCE, task.owner(),
                new EventData.TaskCompleted(task.id(), task.type(), status.name(), task.attempts(), Instant.now()).toJson());
        return store.finish(task.id(), status, result, error, task.owner(), EventCodec.encode(completed), traceparent).invoke(finished -> {
            if (finished) {
                started.stop(registry.timer("scalemesh.task.duration", "service", "task-service", "type", task.type(), "status", status.name()));
                registry.counter("scalemesh.task.outcomes", "service", "task-service", "type", task.type(), "status", status.name()).increment();
            }
        });
    }

    /** first × 2^(attempt-1), capped. */
    Duration backoff(int attempt) {
        long millis = firstBackoff.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
}
