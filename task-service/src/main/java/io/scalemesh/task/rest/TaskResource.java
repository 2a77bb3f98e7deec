package io.scalemesh.task.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.Authenticated;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventIds;
import io.scalemesh.events.EventTypes;
import io.scalemesh.service.http.MeshIdentity;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.task.Task;
import io.scalemesh.task.TaskSettings;
import io.scalemesh.task.TaskStatus;
import io.scalemesh.task.outbox.Traceparent;
import io.scalemesh.task.queue.QueueDepth;
import io.scalemesh.task.store.AcceptBatcher;
import io.scalemesh.task.store.TaskStore;
import io.scalemesh.task.types.TaskTypes;
import io.scalemesh.task.worker.Role;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Accepting work is decoupled from doing it: {@code POST} stores the task and its queue message
 * and answers 202 with where to watch it; workers do it later at their own pace. A full queue
 * answers 429 with Retry-After instead of taking work it cannot hold.
 */
@Authenticated
@Path("/api/v1/tasks")
@Produces(MediaType.APPLICATION_JSON)
public class TaskResource {

    @Inject
    TaskSettings settings;

    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final String SOURCE = "/task-service";
    private static final int MAX_PAGE = 100;

    /** The caller, as the internal identity token proves it (MeshIdentity). */
    @Inject
    JsonWebToken callerToken;

    @Inject
    TaskStore store;

    @Inject
    AcceptBatcher batcher;

    @Inject
    TaskTypes types;

    @Inject
    QueueDepth queue;

    @Inject
    MeterRegistry registry;


    public record Page(List<TaskView> items, String next) {
    }

    @jakarta.annotation.PostConstruct
    void registerMetrics() {
        registry.counter("scalemesh.task.shed", "service", "task-service"); // at zero until the queue is full
    }

    static String statusUrl(String id) {
        return "/api/v1/tasks/" + id;
    }

    @POST
    @RequestBody(required = true, description = "Checked completely (NewTask) before anything is stored",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = NewTask.Document.class)))
    @APIResponse(responseCode = "202", description = "Queued; poll the Location (statusUrl) until it is finished",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = TaskView.class)))
    @APIResponse(responseCode = "429", description = "The queue is full: retry after Retry-After seconds")
    public Uni<Response> submit(String body, @RestHeader(IDEMPOTENCY_KEY) String idempotencyKey) {
        MeshIdentity caller = MeshIdentity.of(callerToken);
        requireApiRole();
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > 255
                || !idempotencyKey.chars().allMatch(c -> c >= 0x21 && c <= 0x7e))) {
            throw new ProblemException(Problem.badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters"));
        }
        NewTask task = NewTask.parse(body, types);
        if (queue.full()) {
            registry.counter("scalemesh.task.shed", "service", "task-service").increment();
            throw new ProblemException(Problem.of(429, "queue-full", "The task queue is full",
                    "the queue holds " + queue.depth() + " unfinished tasks (limit " + queue.maxDepth() + "); nothing was queued, retry later"),
                    Map.of("Retry-After", Long.toString(queue.retryAfterSeconds())));
        }
        String id = EventIds.next();
        EventEnvelope requested = EventEnvelope.create(EventTypes.TASK_REQUESTED, SOURCE, caller.userId(),
                new EventData.TaskRequested(id, task.type().name()).toJson());
        String hash = idempotencyKey == null ? null : sha256(body);
        return batcher.accept(new TaskStore.NewRow(id, caller.userId(), task.type().name(), task.inputText(), idempotencyKey,
                        hash, EventCodec.encode(requested), Traceparent.current()))
                // More accepts waiting than the store takes in: refuse now, before a backlog of
                // requests exhausts the heap and every accept's latency with it.
                .onFailure(f -> f instanceof AcceptBatcher.Saturated || f.getClass().getSimpleName().equals("ConnectionPoolTooBusyException"))
                .transform(f -> new ProblemException(Problem.unavailable("the task store is saturated; nothing was queued, retry shortly"),
                        Map.of("Retry-After", "1")))
                .map(accepted -> {
                    if (accepted.replayed() && !accepted.requestHash().equals(hash)) {
                        throw new ProblemException(Problem.of(422, "idempotency-key-reused", "The key was used for another request",
                                "this Idempotency-Key was sent before with a different body"));
                    }
                    if (!accepted.replayed()) {
                        queue.accepted();
                        registry.counter("scalemesh.task.accepted", "service", "task-service", "type", task.type().name()).increment();
                    }
                    // The hottest answer of the service, written by hand: an id and a path need no
                    // escaping, and the generic JSON writer cost a tenth of the accept path's CPU.
                    String url = statusUrl(accepted.id());
                    // Location stays relative (RFC 9110 §10.2.2): location(URI) would make it absolute
                    // with this instance's own address, which a client behind the gateway must not see.
                    Response.ResponseBuilder response = Response.accepted("{\"id\":\"" + accepted.id() + "\",\"status\":\"QUEUED\",\"statusUrl\":\""
                                    + url + "\"}").type(MediaType.APPLICATION_JSON_TYPE)
                            .header(HttpHeaders.LOCATION, url);
                    if (accepted.replayed()) {
                        response.header("Idempotency-Replayed", "true");
                    }
                    return response.build();
                });
    }

    @GET
    @Path("/{id}")
    @APIResponse(responseCode = "200", description = "The task; Retry-After while it is queued or running",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = TaskView.class)))
    public Uni<Response> get(@RestPath String id) {
        MeshIdentity caller = MeshIdentity.of(callerToken);
        return owned(id, caller).map(task -> {
            Response.ResponseBuilder response = Response.ok(TaskView.of(task));
            if (!task.status().finished()) {
                response.header("Retry-After", "1");
            }
            return response.build();
        });
    }

    /** The caller's tasks (an admin's: anyone's with {@code userId}), newest first, {@code limit} per page. */
    @GET
    public Uni<Page> list(@RestQuery String status, @RestQuery String limit, @RestQuery String before, @RestQuery String userId) {
        MeshIdentity caller = MeshIdentity.of(callerToken);
        String owner = caller.resolveOwner(userId);
        TaskStatus wanted = parseStatus(status);
        int size = parseLimit(limit);
        if (before != null && !isUuid(before)) {
            throw new ProblemException(Problem.badRequest("before must be a task id from the previous page's next link"));
        }
        return store.list(owner, wanted, before, size).map(tasks -> {
            String next = null;
            if (tasks.size() == size) {
                next = "/api/v1/tasks?limit=" + size + "&before=" + tasks.get(tasks.size() - 1).id()
                        + (wanted == null ? "" : "&status=" + wanted) + (owner.equals(caller.userId()) ? "" : "&userId=" + owner);
            }
            return new Page(tasks.stream().map(TaskView::of).toList(), next);
        });
    }

    /** Cancels a task that has not started: 200 with the CANCELLED task, or 409 once a worker has it. */
    @DELETE
    @Path("/{id}")
    public Uni<TaskView> cancel(@RestPath String id) {
        MeshIdentity caller = MeshIdentity.of(callerToken);
        requireApiRole();
        return owned(id, caller)
                .chain(task -> store.cancel(id))
                .chain(cancelled -> store.find(id).map(task -> {
                    if (!cancelled && task.status() != TaskStatus.CANCELLED) {
                        throw new ProblemException(Problem.of(409, "task-not-cancellable", "The task cannot be cancelled",
                                "the task is " + task.status() + "; only a QUEUED task can be cancelled"));
                    }
                    return TaskView.of(task);
                }));
    }

    private Uni<Task> owned(String id, MeshIdentity caller) {
        if (!isUuid(id)) {
            throw new ProblemException(Problem.notFound("no task " + id));
        }
        return store.find(id).map(task -> {
            if (task == null) {
                throw new ProblemException(Problem.notFound("no task " + id));
            }
            if (!task.owner().equals(caller.userId()) && !caller.admin()) {
                throw new ProblemException(Problem.forbidden("this task belongs to another user"));
            }
            return task;
        });
    }

    private void requireApiRole() {
        if (!Role.parse(settings.role()).serves()) {
            throw new ProblemException(Problem.unavailable("this instance runs as a worker only (mesh.task.role=worker)"),
                    Map.of("Retry-After", "1"));
        }
    }

    private static TaskStatus parseStatus(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return TaskStatus.valueOf(status.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ProblemException(Problem.badRequest("status must be one of " + List.of(TaskStatus.values())));
        }
    }

    private static int parseLimit(String limit) {
        if (limit == null || limit.isBlank()) {
            return 20;
        }
        try {
            int n = Integer.parseInt(limit.trim());
            if (n >= 1 && n <= MAX_PAGE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ProblemException(Problem.badRequest("limit must be an integer from 1 to " + MAX_PAGE));
    }

    private static boolean isUuid(String id) {
        try {
            return id != null && id.length() == 36 && UUID.fromString(id) != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
