package io.scalemesh.task.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventTypes;
import io.scalemesh.events.InvalidEventException;
import io.scalemesh.events.Topics;
import io.scalemesh.events.consumer.EventConsumer;
import io.scalemesh.events.consumer.Failures;
import io.scalemesh.task.Task;
import io.scalemesh.task.TaskSettings;
import io.scalemesh.task.TaskStatus;
import io.scalemesh.task.outbox.Traceparent;
import io.scalemesh.task.store.TaskStore;
import io.scalemesh.task.types.TaskFailure;
import io.scalemesh.task.types.TaskTypes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Runs tasks from {@code task.requested}: at-least-once delivery, exactly-once completion. Works
 * a poll's batch at a time, so the database sees two statements per batch instead of two commits
 * per task: one claims every task of the batch (QUEUED, or RUNNING left by a dead worker, becomes
 * RUNNING with one more attempt), the tasks run concurrently, and one statement finishes them
 * together with their {@code task.completed} events, and only the first finisher of a task wins.
 * So a redelivered message finds its task finished and does nothing; a worker killed mid-batch
 * leaves its tasks RUNNING, and the redelivery runs them again. A task's work is a pure function
 * of its input: running it twice is harmless, finishing it twice is what cannot happen. The batch
 * is acknowledged (its offsets committed) only once every task in it is finished.
 *
 * <p>A retryable failure is tried again after an exponential backoff (the wait holds the batch,
 * bounded by the attempt limit); after {@code mesh.task.max-attempts}, or at once for a permanent
 * failure, the task is FAILED, announced, and its message goes to {@code task.requested.dlq}, in
 * the same statement (through the outbox), so there is never one without the other. While
 * PostgreSQL is out the batch waits for it; a batch is never dead-lettered whole. Concurrency: {@code mesh.task.worker.concurrency}
 * consumers per instance, each its own partitions.
 */
@ApplicationScoped
public class TaskWorker {

    @Inject
    TaskSettings settings;

    private static final Logger LOG = Logger.getLogger(TaskWorker.class);
    private static final String SOURCE = "/task-service";
    private static final String CONSUMER = "task-worker";

    /** One message to act on: the task it names, and where its trace continues. */
    public record Delivery(String taskId, String key, String message, String traceparent) {
    }

    @Inject
    TaskStore store;

    @Inject
    TaskTypes types;

    @Inject
    EventConsumer consumer;

    @Inject
    MeterRegistry registry;




    @ConfigProperty(name = "mesh.instance", defaultValue = "task-service")
    String instance;



    @Incoming("task-requested")
    public Uni<Void> onRequested(ConsumerRecords<String, String> records, IncomingKafkaRecordBatchMetadata<String, String> batch) {
        List<Delivery> deliveries = new ArrayList<>();
        List<TaskStore.InvalidMessage> invalid = new ArrayList<>();
        Map<ConsumerRecord<?, ?>, String> traceparents = traceparents(batch);
        for (ConsumerRecord<String, String> record : records) {
            try {
                String taskId = EventCodec.taskRequested(EventCodec.decode(record.value())).taskId();
                deliveries.add(new Delivery(taskId, record.key(), record.value(), traceparents.get(record)));
            } catch (InvalidEventException e) {
                LOG.warnf("invalid message on %s goes to the DLQ: %s", Topics.TASK_REQUESTED, e.getMessage());
                invalid.add(new TaskStore.InvalidMessage(record.key(), record.value(), e.getMessage()));
            }
        }
        Uni<Void> deadLetters = invalid.isEmpty() ? Uni.createFrom().voidItem()
                : store.deadLetter(invalid).invoke(() -> consumer.counted(CONSUMER, Topics.TASK_REQUESTED, 0, 0, invalid.size()));
        // The batch never fails: a task's own failures are handled above, so what is left is the
        // store failing (an outage, a shutdown closing the pool, a bug). Retrying until it passes,
        // or until this instance stops and the partition's next owner gets the uncommitted batch,
        // is the only safe answer: failing would dead-letter and commit the whole batch, unrun.
        long started = System.nanoTime();
        return deadLetters.chain(() -> attempt(deliveries))
                .chain(() -> pace(records.count(), started))
                .onFailure().invoke(failure -> LOG.log(Failures.isOutage(failure) ? Logger.Level.WARN : Logger.Level.ERROR,
                        "a batch of " + records.count() + " task messages waits for the task store (" + failure + ")"))
                .onFailure().retry().withBackOff(settings.retryBackoff(), settings.retryMaxBackoff()).indefinitely();
    }

    /**
     * With {@code mesh.task.worker.max-rate} set, holds a batch until it has taken its share of
     * time at that rate (split over the instance's consumers): workers then drain at a steady pace
     * whatever arrives, e.g. to spare a downstream, and the queue absorbs the difference.
     */
    private Uni<Void> pace(int tasks, long startedNanos) {
        Duration owed = owed(tasks, settings.worker().maxRate(), settings.worker().concurrency(), Duration.ofNanos(System.nanoTime() - startedNanos));
        return owed.isZero() ? Uni.createFrom().voidItem() : Uni.createFrom().voidItem().onItem().delayIt().by(owed);
    }

    /** How much longer a batch of {@code tasks} that took {@code elapsed} must wait at {@code maxRate} over {@code consumers}. */
    static Duration owed(int tasks, double maxRate, int consumers, Duration elapsed) {
        if (maxRate <= 0) {
            return Duration.ZERO;
        }
        long owedNanos = (long) (tasks * 1e9 * consumers / maxRate) - elapsed.toNanos();
        return owedNanos <= 0 ? Duration.ZERO : Duration.ofNanos(owedNanos);
    }

    /** One delivery of these tasks' messages: claims, runs and finishes them, retrying the failures that may pass. */
    public Uni<Void> attempt(List<Delivery> deliveries) {
        if (deliveries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Map<String, Delivery> byTask = new LinkedHashMap<>();
        deliveries.forEach(d -> byTask.putIfAbsent(d.taskId(), d));
        return store.claimAll(List.copyOf(byTask.keySet()), instance).chain(tasks -> {
            List<Uni<Run>> runs = tasks.stream().map(task -> run(task, byTask.get(task.id()))).toList();
            return tasks.isEmpty() ? Uni.createFrom().item(List.<Run>of()) : Uni.join().all(runs).andFailFast();
        }).chain(runs -> {
            List<TaskStore.Finish> finishes = runs.stream().filter(r -> r.finish() != null).map(Run::finish).toList();
            List<Run> retries = runs.stream().filter(r -> r.finish() == null).toList();
            Uni<Set<String>> finished = finishes.isEmpty() ? Uni.createFrom().item(Set.of()) : store.finishAll(finishes);
            return finished.invoke(done -> count(deliveries.size() - runs.size(), runs, done)).chain(() -> retry(retries));
        });
    }

    /** What one run came to: a finish to record, or (finish null) a failure to try again. */
    private record Run(Task task, Delivery delivery, TaskStore.Finish finish, String reason, String error, long startedNanos) {
    }

    private Uni<Run> run(Task task, Delivery delivery) {
        long started = System.nanoTime();
        Uni<JsonNode> work = types.find(task.type())
                .map(type -> Uni.createFrom().deferred(() -> type.run(task)))
                .orElseGet(() -> Uni.createFrom().failure(TaskFailure.permanent(TaskFailure.Code.UNKNOWN_TYPE, "unknown task type " + task.type())));
        return work.onItemOrFailure().transform((result, failure) -> {
            if (failure == null) {
                return new Run(task, delivery, finish(task, TaskStatus.SUCCEEDED, result, null, delivery), null, null, started);
            }
            boolean retryable = !(failure instanceof TaskFailure tf) || tf.retryable();
            String reason = failure instanceof TaskFailure ? failure.getMessage() : failure.toString();
            // The client sees the code; the reason (hosts, exception text) stays in the log and the DLQ.
            String code = (failure instanceof TaskFailure tf ? tf.code() : TaskFailure.Code.INTERNAL).slug();
            if (!(failure instanceof TaskFailure)) {
                LOG.errorf(failure, "task %s attempt %d failed unexpectedly", task.id(), task.attempts());
            }
            if (!retryable || task.attempts() >= settings.maxAttempts()) {
                String verdict = "task " + task.id() + " failed after " + task.attempts() + " attempt(s): " + reason;
                return new Run(task, delivery, finish(task, TaskStatus.FAILED, null, code, delivery).withDeadLetterReason(verdict),
                        reason, code, started);
            }
            return new Run(task, delivery, null, reason, code, started);
        });
    }

    private Uni<Void> retry(List<Run> retries) {
        if (retries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.join().all(retries.stream().map(r -> {
            Duration delay = backoff(r.task().attempts());
            LOG.infof("task %s attempt %d failed (%s); retrying in %d ms", r.task().id(), r.task().attempts(), r.reason(), delay.toMillis());
            return store.failedAttempt(r.task().id(), r.error()).onItem().delayIt().by(delay).chain(() -> attempt(List.of(r.delivery())));
        }).toList()).andFailFast().replaceWithVoid();
    }

    private TaskStore.Finish finish(Task task, TaskStatus status, JsonNode result, String error, Delivery delivery) {
        EventEnvelope completed = EventEnvelope.create(EventTypes.TASK_COMPLETED, SOURCE, task.owner(),
                new EventData.TaskCompleted(task.id(), task.type(), status.name(), task.attempts(), Instant.now()).toJson());
        return new TaskStore.Finish(task.id(), status, result, error, task.owner(), EventCodec.encode(completed), delivery.traceparent(),
                delivery.message(), null);
    }

    private void count(int duplicates, List<Run> runs, Set<String> finished) {
        int failed = 0;
        int finishedHere = 0;
        for (Run run : runs) {
            if (run.finish() == null || !finished.contains(run.task().id())) {
                continue;
            }
            finishedHere++;
            TaskStatus status = run.finish().status();
            failed += status == TaskStatus.FAILED ? 1 : 0;
            registry.timer("scalemesh.task.duration", "service", "task-service", "type", run.task().type(), "status", status.name())
                    .record(Duration.ofNanos(System.nanoTime() - run.startedNanos()));
            registry.counter("scalemesh.task.outcomes", "service", "task-service", "type", run.task().type(), "status", status.name())
                    .increment();
            if (status == TaskStatus.FAILED) {
                LOG.errorf("%s; its message goes to the DLQ", run.finish().deadLetterReason());
            }
        }
        consumer.counted(CONSUMER, Topics.TASK_REQUESTED, finishedHere - failed, duplicates + (int) runs.stream()
                .filter(r -> r.finish() != null && !finished.contains(r.task().id())).count(), failed);
    }

    /**
     * Each record's consume-span traceparent (W3C), so task.completed continues the request's trace.
     * One pass over the batch: SmallRye's per-record lookup scans the whole batch, which made a
     * batch of 500 cost 125,000 lookups. The batch's messages carry the very record objects polled.
     */
    private static Map<ConsumerRecord<?, ?>, String> traceparents(IncomingKafkaRecordBatchMetadata<String, String> batch) {
        Map<ConsumerRecord<?, ?>, String> byRecord = new IdentityHashMap<>();
        for (Message<?> message : batch.getBatchedMessages()) {
            Optional<IncomingKafkaRecordMetadata> kafka = message.getMetadata(IncomingKafkaRecordMetadata.class);
            Optional<TracingMetadata> tracing = message.getMetadata(TracingMetadata.class);
            if (kafka.isPresent() && tracing.isPresent() && tracing.get().getCurrentContext() != null) {
                byRecord.put(kafka.get().getRecord(), Traceparent.of(Span.fromContext(tracing.get().getCurrentContext()).getSpanContext()));
            }
        }
        return byRecord;
    }

    /** first × 2^(attempt-1), capped. */
    Duration backoff(int attempt) {
        long millis = settings.retryBackoff().toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
        return Duration.ofMillis(Math.min(millis, settings.retryMaxBackoff().toMillis()));
    }
}
