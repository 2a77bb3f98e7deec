package io.scalemesh.task.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.scalemesh.events.EventCodec;
import io.scalemesh.events.Topics;
import io.scalemesh.task.Task;
import io.scalemesh.task.TaskStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The tasks table and its outbox. Every change that must be announced writes its event into the
 * outbox in the same statement, so a task is never stored without being enqueued, nor finished
 * without {@code task.completed}, and never the other way round.
 */
@ApplicationScoped
public class TaskStore {

    /** Without input: status answers stay small even for a task of 100,000 numbers. */
    private static final String COLUMNS = "id, owner, type, NULL::jsonb AS input, status, result, error, attempts, worker,"
            + " created_at, started_at, finished_at";

    @Inject
    Pool pool;

    /** What accepting produced: the task's id and time, or the earlier task of the same idempotency key. */
    public record Accepted(String id, Instant createdAt, boolean replayed, String requestHash) {
    }

    /**
     * Stores a QUEUED task and its {@code task.requested} event in one statement. With an
     * idempotency key already used by this owner, stores nothing and answers the earlier task.
     */
    public Uni<Accepted> accept(String id, String owner, String type, JsonNode input, String idempotencyKey, String requestHash,
            String requestedEvent, String traceparent) {
        return pool.preparedQuery("WITH t AS ("
                        + " INSERT INTO tasks (id, owner, type, input, status, idempotency_key, request_hash)"
                        + " VALUES ($1, $2, $3, $4::text::jsonb, 'QUEUED', $5, $6)"
                        + " ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
                        + " RETURNING id, owner, created_at),"
                        + " o AS (INSERT INTO outbox (topic, key, payload, traceparent) SELECT $7, owner, $8, $9 FROM t)"
                        + " SELECT id, created_at FROM t")
                .execute(Tuple.tuple(List.of(UUID.fromString(id), owner, type, input.toString()))
                        .addValue(idempotencyKey).addValue(requestHash).addValue(Topics.TASK_REQUESTED)
                        .addValue(requestedEvent).addValue(traceparent))
                .chain(rows -> {
                    if (rows.iterator().hasNext()) {
                        Row row = rows.iterator().next();
                        return Uni.createFrom().item(new Accepted(id, instant(row, "created_at"), false, requestHash));
                    }
                    return pool.preparedQuery("SELECT id, created_at, request_hash FROM tasks WHERE owner = $1 AND idempotency_key = $2")
                            .execute(Tuple.of(owner, idempotencyKey))
                            .map(earlier -> {
                                Row row = earlier.iterator().next();
                                return new Accepted(row.getUUID("id").toString(), instant(row, "created_at"), true,
                                        row.getString("request_hash"));
                            });
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
     * Starts a run: QUEUED, or RUNNING left by a worker that died, becomes RUNNING with one more
     * attempt. Answers null for a task that is finished or cancelled (a redelivered message).
     */
    public Uni<Task> claim(String id, String worker) {
        return pool.preparedQuery("UPDATE tasks SET status = 'RUNNING', attempts = attempts + 1, worker = $2,"
                        + " started_at = coalesce(started_at, now()) WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')"
                        + " RETURNING id, owner, type, input, status, result, error, attempts, worker, created_at, started_at, finished_at")
                .execute(Tuple.of(UUID.fromString(id), worker))
                .map(rows -> rows.iterator().hasNext() ? task(rows.iterator().next()) : null);
    }

    /** Records a failed attempt that will be retried. */
    public Uni<Void> failedAttempt(String id, String error) {
        return pool.preparedQuery("UPDATE tasks SET error = $2 WHERE id = $1 AND status = 'RUNNING'")
                .execute(Tuple.of(UUID.fromString(id), error)).replaceWithVoid();
    }

    /**
     * Finishes a running task and writes its {@code task.completed} event, in one statement. Only
     * the first finisher of a task gets true: a second run of the same task (a redelivery racing a
     * slow worker) finds it finished and changes nothing.
     */
    public Uni<Boolean> finish(String id, TaskStatus status, JsonNode result, String error, String owner, String completedEvent,
            String traceparent) {
        return pool.preparedQuery("WITH done AS (UPDATE tasks SET status = $2, result = $3::text::jsonb, error = $4, finished_at = now()"
                        + " WHERE id = $1 AND status = 'RUNNING' RETURNING id)"
                        + " INSERT INTO outbox (topic, key, payload, traceparent) SELECT $5, $6, $7, $8 FROM done")
                .execute(Tuple.tuple(List.of(UUID.fromString(id), status.name())).addValue(result == null ? null : result.toString())
                        .addValue(error).addValue(Topics.TASK_COMPLETED).addValue(owner).addValue(completedEvent).addValue(traceparent))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Accepted and not finished, over all owners: the queue depth. */
    public Uni<Long> openCount() {
        return pool.query("SELECT count(*) FROM tasks WHERE status IN ('QUEUED', 'RUNNING')").execute()
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
        return new Task(row.getUUID("id").toString(), row.getString("owner"), row.getString("type"), json(row.getValue("input")),
                TaskStatus.valueOf(row.getString("status")), json(row.getValue("result")), row.getString("error"),
                row.getInteger("attempts"), row.getString("worker"), instant(row, "created_at"), instant(row, "started_at"),
                instant(row, "finished_at"));
    }

    private static JsonNode json(Object value) {
        if (value == null) {
            return null;
        }
        try {
            // jsonb arrives as a Vert.x JsonObject/JsonArray (or a scalar); its encoding is JSON.
            String text = value instanceof io.vertx.core.json.JsonObject o ? o.encode()
                    : value instanceof io.vertx.core.json.JsonArray a ? a.encode() : io.vertx.core.json.Json.encode(value);
            return EventCodec.json().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON in the tasks table", e);
        }
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime time = row.getOffsetDateTime(column);
        return time == null ? null : time.toInstant();
    }
}
