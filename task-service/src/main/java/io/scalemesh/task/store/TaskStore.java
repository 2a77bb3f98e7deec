package io.scalemesh.task.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.scalemesh.events.EventCodec;
import io.scalemesh.events.Topics;
import io.scalemesh.task.Task;
import io.scalemesh.task.TaskStatus;
import io.scalemesh.task.outbox.OutboxRelay;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The tasks table and its outbox. Every change that must be announced writes its event into the
 * outbox in the same statement, so a task is never stored without being enqueued, nor finished
 * without {@code task.completed}, and never the other way round. The rows carry this instance's
 * name ({@code origin}), and each commit that wrote some wakes this instance's {@link OutboxRelay}.
 */
@ApplicationScoped
public class TaskStore {

    /** Without input: status answers stay small even for a task of 100,000 numbers. */
    private static final String COLUMNS = "id, owner, type, NULL::text AS input, status, result, error, attempts, worker,"
            + " created_at, started_at, finished_at";

    @Inject
    Pool pool;

    @Inject
    OutboxRelay relay;

    /** A task to accept, with its {@code task.requested} event. */
    public record NewRow(String id, String owner, String type, String input, String idempotencyKey, String requestHash,
            String requestedEvent, String traceparent) {
    }

    /** What accepting produced: the task's id and time, or the earlier task of the same idempotency key. */
    public record Accepted(String id, Instant createdAt, boolean replayed, String requestHash) {
    }

    /**
     * Stores QUEUED tasks and their {@code task.requested} events in one statement, so one commit
     * (one WAL flush) covers the whole batch. A row whose idempotency key this owner
     * already used stores nothing and answers the earlier task. Answers in the rows' order.
     */
    public Uni<List<Accepted>> acceptAll(List<NewRow> batch) {
        int n = batch.size();
        UUID[] ids = batch.stream().map(row -> UUID.fromString(row.id())).toArray(UUID[]::new);
        return pool.preparedQuery("WITH i AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],"
                        + " $6::text[], $7::text[], $8::text[]) WITH ORDINALITY"
                        + " AS i (id, owner, type, input, idempotency_key, request_hash, payload, traceparent, ord)),"
                        + " t AS (INSERT INTO tasks (id, owner, type, input, status, idempotency_key, request_hash)"
                        + " SELECT id, owner, type, input::json, 'QUEUED', idempotency_key, request_hash FROM i ORDER BY ord"
                        + " ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
                        + " RETURNING id, created_at),"
                        + " o AS (INSERT INTO outbox (topic, key, payload, traceparent, origin)"
                        + " SELECT $9, i.owner, i.payload, i.traceparent, $10 FROM t JOIN i USING (id) ORDER BY i.ord)"
                        + " SELECT id, created_at FROM t")
                .execute(Tuple.tuple().addArrayOfUUID(ids).addArrayOfString(column(batch, NewRow::owner))
                        .addArrayOfString(column(batch, NewRow::type)).addArrayOfString(column(batch, NewRow::input))
                        .addArrayOfString(column(batch, NewRow::idempotencyKey)).addArrayOfString(column(batch, NewRow::requestHash))
                        .addArrayOfString(column(batch, NewRow::requestedEvent)).addArrayOfString(column(batch, NewRow::traceparent))
                        .addValue(Topics.TASK_REQUESTED).addValue(relay.origin()))
                .invoke(rows -> wakeRelay(rows.size()))
                .chain(rows -> {
                    Map<UUID, Instant> stored = new java.util.HashMap<>();
                    rows.forEach(row -> stored.put(row.getUUID("id"), instant(row, "created_at")));
                    List<Uni<Accepted>> answers = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        NewRow row = batch.get(i);
                        Instant createdAt = stored.get(ids[i]);
                        answers.add(createdAt != null
                                ? Uni.createFrom().item(new Accepted(row.id(), createdAt, false, row.requestHash()))
                                : earlier(row.owner(), row.idempotencyKey()));
                    }
                    return Uni.join().all(answers).andFailFast();
                });
    }

    /** The task an owner's idempotency key already made. */
    private Uni<Accepted> earlier(String owner, String idempotencyKey) {
        return pool.preparedQuery("SELECT id, created_at, request_hash FROM tasks WHERE owner = $1 AND idempotency_key = $2")
                .execute(Tuple.of(owner, idempotencyKey))
                .map(earlier -> {
                    Row row = earlier.iterator().next();
                    return new Accepted(row.getUUID("id").toString(), instant(row, "created_at"), true, row.getString("request_hash"));
                });
    }

    public Uni<Task> find(String id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM tasks WHERE id = $1").execute(Tuple.of(UUID.fromString(id)))
                .map(rows -> rows.iterator().hasNext() ? task(rows.iterator().next()) : null);
    }

    /** One page of an owner's tasks, newest first; {@code before} is the last id of the previous page. */
    public Uni<List<Task>> list(String owner, TaskStatus status, String before, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM tasks WHERE owner = $1 AND ($2::text IS NULL OR status = $2)"
                        + " AND ($3::uuid IS NULL OR id < $3) ORDER BY id DESC LIMIT $4")
                .execute(Tuple.of(owner, status == null ? null : status.name(), before == null ? null : UUID.fromString(before), limit))
                .map(rows -> {
                    List<Task> tasks = new ArrayList<>();
                    rows.forEach(row -> tasks.add(task(row)));
                    return tasks;
                });
    }

    /** Cancels a task that has not started; answers whether it did. */
    public Uni<Boolean> cancel(String id) {
        return pool.preparedQuery("UPDATE tasks SET status = 'CANCELLED', finished_at = now() WHERE id = $1 AND status = 'QUEUED'")
                .execute(Tuple.of(UUID.fromString(id))).map(rows -> rows.rowCount() == 1);
    }

    /**
     * Starts runs: each task QUEUED, or RUNNING left by a worker that died, becomes RUNNING with one
     * more attempt, all in one statement. Answers the tasks claimed; a task finished or cancelled
     * (a redelivered message) is left out.
     */
    public Uni<List<Task>> claimAll(List<String> ids, String worker) {
        return pool.preparedQuery("UPDATE tasks SET status = 'RUNNING', attempts = attempts + 1, worker = $2,"
                        + " started_at = coalesce(started_at, now()) WHERE id = ANY($1) AND status IN ('QUEUED', 'RUNNING')"
                        + " RETURNING id, owner, type, input::text AS input, status, result, error, attempts, worker, created_at, started_at, finished_at")
                .execute(Tuple.of(ids.stream().map(UUID::fromString).toArray(UUID[]::new), worker))
                .map(rows -> {
                    List<Task> tasks = new ArrayList<>(rows.size());
                    rows.forEach(row -> tasks.add(task(row)));
                    return tasks;
                });
    }

    /** Records a failed attempt that will be retried. */
    public Uni<Void> failedAttempt(String id, String error) {
        return pool.preparedQuery("UPDATE tasks SET error = $2 WHERE id = $1 AND status = 'RUNNING'")
                .execute(Tuple.of(UUID.fromString(id), error)).replaceWithVoid();
    }

    /**
     * How a run ended: SUCCEEDED with a result, or FAILED with an error. With a dead-letter reason,
     * {@code requestMessage} (the {@code task.requested} record's value) also goes to the DLQ.
     */
    public record Finish(String id, TaskStatus status, JsonNode result, String error, String owner, String completedEvent,
            String traceparent, String requestMessage, String deadLetterReason) {

        public Finish withDeadLetterReason(String reason) {
            return new Finish(id, status, result, error, owner, completedEvent, traceparent, requestMessage, reason);
        }
    }

    /**
     * Finishes running tasks in one statement, each with its {@code task.completed} event and, if it
     * failed, its dead letter. Only the first finisher of a task wins: a second run of the same task
     * (a redelivery racing a slow worker) finds it finished and changes nothing. Answers the ids
     * this call finished.
     */
    public Uni<java.util.Set<String>> finishAll(List<Finish> runs) {
        UUID[] ids = runs.stream().map(run -> UUID.fromString(run.id())).toArray(UUID[]::new);
        return pool.preparedQuery("WITH f AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],"
                        + " $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY"
                        + " AS f (id, status, result, error, owner, completed, traceparent, request, dead_letter_reason, ord)),"
                        + " done AS (UPDATE tasks t SET status = f.status, result = f.result::jsonb, error = f.error, finished_at = now()"
                        + " FROM f WHERE t.id = f.id AND t.status = 'RUNNING' RETURNING t.id),"
                        + " events AS (INSERT INTO outbox (topic, key, payload, traceparent, origin)"
                        + " SELECT $10, f.owner, f.completed, f.traceparent, $12 FROM done JOIN f USING (id) ORDER BY f.ord),"
                        + " dead AS (INSERT INTO outbox (topic, key, payload, traceparent, dead_letter_reason, origin)"
                        + " SELECT $11, f.owner, f.request, f.traceparent, f.dead_letter_reason, $12 FROM done JOIN f USING (id)"
                        + " WHERE f.request IS NOT NULL ORDER BY f.ord)"
                        + " SELECT id FROM done")
                .execute(Tuple.tuple().addArrayOfUUID(ids).addArrayOfString(column(runs, run -> run.status().name()))
                        .addArrayOfString(column(runs, run -> run.result() == null ? null : run.result().toString()))
                        .addArrayOfString(column(runs, Finish::error)).addArrayOfString(column(runs, Finish::owner))
                        .addArrayOfString(column(runs, Finish::completedEvent)).addArrayOfString(column(runs, Finish::traceparent))
                        // The request goes to the DLQ only with a reason.
                        .addArrayOfString(column(runs, run -> run.deadLetterReason() == null ? null : run.requestMessage()))
                        .addArrayOfString(column(runs, Finish::deadLetterReason))
                        .addValue(Topics.TASK_COMPLETED).addValue(Topics.dlq(Topics.TASK_REQUESTED)).addValue(relay.origin()))
                .invoke(rows -> wakeRelay(rows.size()))
                .map(rows -> {
                    java.util.Set<String> finished = new java.util.HashSet<>();
                    rows.forEach(row -> finished.add(row.getUUID("id").toString()));
                    return finished;
                });
    }

    /** A message on {@code task.requested} that is not a valid request, and why. */
    public record InvalidMessage(String key, String payload, String reason) {
    }

    /** Messages that are not a valid {@code task.requested}: straight to the DLQ, through the outbox. */
    public Uni<Void> deadLetter(List<InvalidMessage> messages) {
        return pool.preparedQuery("INSERT INTO outbox (topic, key, payload, dead_letter_reason, origin)"
                        + " SELECT $1, coalesce(k, ''), p, r, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS d (k, p, r)")
                .execute(Tuple.tuple().addValue(Topics.dlq(Topics.TASK_REQUESTED)).addArrayOfString(column(messages, InvalidMessage::key))
                        .addArrayOfString(column(messages, InvalidMessage::payload)).addArrayOfString(column(messages, InvalidMessage::reason))
                        .addValue(relay.origin()))
                .invoke(() -> wakeRelay(messages.size()))
                .replaceWithVoid();
    }

    /** One field of every row, as a statement's array parameter (unnest turns them back into rows). */
    private static <R> String[] column(List<R> rows, Function<R, String> field) {
        return rows.stream().map(field).toArray(String[]::new);
    }

    /** Accepted and not finished, over all owners: the queue depth (kept by triggers, see V3). */
    public Uni<Long> openCount() {
        return pool.query("SELECT sum(open)::bigint FROM task_depth").execute()
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** An owner's tasks since a time: type → status → count. */
    public Uni<Map<String, Map<String, Long>>> countsSince(String owner, Instant since) {
        return pool.preparedQuery("SELECT type, status, count(*) AS n FROM tasks WHERE owner = $1 AND created_at >= $2 GROUP BY type, status")
                .execute(Tuple.of(owner, since.atOffset(java.time.ZoneOffset.UTC)))
                .map(rows -> {
                    Map<String, Map<String, Long>> counts = new TreeMap<>();
                    rows.forEach(row -> counts.computeIfAbsent(row.getString("type"), t -> new TreeMap<>())
                            .put(row.getString("status"), row.getLong("n")));
                    return counts;
                });
    }

    private static Task task(Row row) {
        return new Task(row.getUUID("id").toString(), row.getString("owner"), row.getString("type"), parse(row.getString("input")),
                TaskStatus.valueOf(row.getString("status")), json(row.getValue("result")), row.getString("error"),
                row.getInteger("attempts"), row.getString("worker"), instant(row, "created_at"), instant(row, "started_at"),
                instant(row, "finished_at"));
    }

    /** Wakes this instance's relay once a statement has committed outbox rows. */
    private void wakeRelay(int rowsWritten) {
        if (rowsWritten > 0) {
            relay.drain();
        }
    }

    /** JSON text from the tasks table (the input is stored as the client's text: parsed once here). */
    private static JsonNode parse(String text) {
        try {
            return text == null ? null : EventCodec.json().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON in the tasks table", e);
        }
    }

    private static JsonNode json(Object value) {
        if (value == null) {
            return null;
        }
        // jsonb arrives as a Vert.x JsonObject/JsonArray (or a scalar); its encoding is JSON.
        return parse(value instanceof io.vertx.core.json.JsonObject o ? o.encode()
                : value instanceof io.vertx.core.json.JsonArray a ? a.encode() : io.vertx.core.json.Json.encode(value));
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime time = row.getOffsetDateTime(column);
        return time == null ? null : time.toInstant();
    }
}
