package io.scalemesh.task.types;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.scalemesh.events.EventCodec;
import io.scalemesh.service.http.Problem.FieldError;
import io.scalemesh.service.identity.InternalTokens;
import io.scalemesh.task.Task;
import io.scalemesh.task.TaskSettings;
import io.scalemesh.task.store.TaskStore;
import io.scalemesh.task.types.TaskFailure.Code;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * {@code report}: a summary of a user's activity: their action counts (asked of analytics-service
 * over HTTP, on the user's behalf) and their tasks in the last {@code windowDays} days (1 to 365,
 * default 30), sealed with a checksum. The aggregation's cost is a configurable CPU load of
 * {@code mesh.task.report.rounds-per-day} SHA-256 rounds per day of window, run off the event
 * loop, standing in for a heavy scan; it makes the report the mesh's slow, CPU-bound task.
 * Analytics unreachable or failing (5xx) is retryable; any other answer from it is permanent.
 */
@ApplicationScoped
public class ReportTask implements TaskType {

    @Inject
    TaskSettings settings;

    @Inject
    Vertx vertx;

    @Inject
    TaskStore store;

    @Inject
    InternalTokens identity;




    private final AtomicInteger next = new AtomicInteger();
    private HttpClient client;

    @PostConstruct
    void init() {
        client = vertx.createHttpClient();
    }

    @Override
    public String name() {
        return "report";
    }

    @Override
    public List<FieldError> validate(JsonNode input) {
        List<FieldError> errors = new ArrayList<>();
        input.fieldNames().forEachRemaining(field -> {
            if (!field.equals("windowDays")) {
                errors.add(new FieldError("input." + field, "unknown field; report takes only windowDays"));
            }
        });
        JsonNode days = input.get("windowDays");
        if (days != null && (!days.isIntegralNumber() || !days.canConvertToInt() || days.asInt() < 1 || days.asInt() > 365)) {
            errors.add(new FieldError("input.windowDays", "must be an integer from 1 to 365"));
        }
        return errors;
    }

    @Override
    public Uni<JsonNode> run(Task task) {
        int windowDays = task.input().path("windowDays").asInt(30);
        Instant since = Instant.now().minus(Duration.ofDays(windowDays));
        return Uni.combine().all().unis(activity(task.owner()), store.countsSince(task.owner(), since)).asTuple()
                .chain(parts -> {
                    ObjectNode report = JsonNodeFactory.instance.objectNode();
                    report.put("userId", task.owner());
                    report.put("windowDays", windowDays);
                    report.set("actions", parts.getItem1());
                    long total = 0;
                    for (JsonNode n : parts.getItem1()) {
                        total += n.asLong();
                    }
                    report.put("totalActions", total);
                    report.set("tasks", EventCodec.json().valueToTree(parts.getItem2()));
                    return Uni.createFrom().item(() -> {
                        report.put("checksum", seal(report.toString(), settings.report().roundsPerDay() * windowDays));
                        return (JsonNode) report;
                    }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
                });
    }

    /** The user's action counts, from analytics-service, asked as the user (task-service's own identity token). */
    private Uni<JsonNode> activity(String userId) {
        List<String> instances = settings.report().analyticsInstances();
        String instance = instances.get(Math.floorMod(next.getAndIncrement(), instances.size()));
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
                .setAbsoluteURI("http://" + instance + "/api/v1/analytics/users/" + userId)
                .putHeader("Authorization", identity.bearer(userId, List.of("user"))).setTimeout(settings.report().timeout().toMillis());
        return client.request(options)
                .chain(request -> request.send())
                .chain(response -> response.body().map(body -> {
                    if (response.statusCode() >= 500) {
                        throw TaskFailure.retryable(Code.DEPENDENCY_UNAVAILABLE, "analytics-service answered " + response.statusCode());
                    }
                    if (response.statusCode() != 200) {
                        throw TaskFailure.permanent(Code.DEPENDENCY_REFUSED,
                                "analytics-service refused the report's query with " + response.statusCode());
                    }
                    try {
                        return EventCodec.json().readTree(body.toString(StandardCharsets.UTF_8)).path("counts");
                    } catch (java.io.IOException e) {
                        throw TaskFailure.permanent(Code.DEPENDENCY_INVALID_ANSWER, "analytics-service answered unreadable JSON");
                    }
                }))
                .onFailure(f -> !(f instanceof TaskFailure))
                .transform(f -> TaskFailure.retryable(Code.DEPENDENCY_UNAVAILABLE, "analytics-service is unreachable: " + f.getMessage()));
    }

    private static String seal(String text, long rounds) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest(text.getBytes(StandardCharsets.UTF_8));
            for (long i = 0; i < rounds; i++) {
                digest = sha.digest(digest);
            }
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
