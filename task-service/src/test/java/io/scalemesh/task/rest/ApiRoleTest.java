package io.scalemesh.task.rest;

import static io.scalemesh.task.Tasks.as;
import static io.scalemesh.task.Tasks.submit;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.scalemesh.events.Topics;
import io.scalemesh.task.worker.TaskWorker;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.KafkaProbe;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;

/**
 * An API-only instance (mesh.task.role=api): it accepts and queues, never runs, so what it queues
 * stays QUEUED. That makes the queue's limit and cancelling before the start exact to test.
 */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
@TestProfile(ApiRoleTest.ApiOnly.class)
class ApiRoleTest {

    static final int LIMIT = 5;

    public static class ApiOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mesh.task.role", "api", "mesh.task.max-queue-depth", Integer.toString(LIMIT));
        }
    }

    @Inject
    Pool pool;

    @Inject
    TaskWorker worker;

    private final String user = "api-" + UUID.randomUUID();

    @BeforeEach
    void anEmptyQueue() {
        // Other test classes leave work behind in the shared database; this class measures from zero.
        pool.query("UPDATE tasks SET status = 'CANCELLED', finished_at = now() WHERE status IN ('QUEUED', 'RUNNING')")
                .execute().await().atMost(Duration.ofSeconds(10));
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                io.scalemesh.testing.Management.management().get("/q/metrics").asString().contains("scalemesh_task_queue_depth{service=\"task-service\"} 0.0"));
    }

    @Test
    void atTheLimitTasksAreRefusedWith429UntilTheQueueShrinks() {
        List<String> queued = new ArrayList<>();
        for (int i = 0; i < LIMIT; i++) {
            // The depth errs high by design: an accept that races the periodic count is counted twice
            // until the next count (QueueDepth). Below the limit, a refusal lasts only that long.
            String body = "{\"type\": \"sum\", \"input\": {\"numbers\": [" + i + "]}}";
            Response[] accepted = new Response[1];
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
                accepted[0] = as(user).body(body).post("/api/v1/tasks");
                return accepted[0].statusCode() == 202;
            });
            queued.add(accepted[0].path("id"));
        }
        Response refused = as(user).body("{\"type\": \"sum\", \"input\": {\"numbers\": [9]}}").post("/api/v1/tasks");
        refused.then().statusCode(429).contentType("application/problem+json")
                .body("type", equalTo("https://scalemesh.dev/problems/queue-full")).body("detail", containsString("limit " + LIMIT));
        int retryAfter = Integer.parseInt(refused.getHeader("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        as(user).get("/api/v1/tasks").then().body("items", hasSize(LIMIT)); // the refused one was not queued

        // The queue shrinks (here: two tasks cancelled) → tasks are accepted again, up to the limit.
        as(user).delete("/api/v1/tasks/" + queued.get(0)).then().statusCode(200).body("status", equalTo("CANCELLED"));
        as(user).delete("/api/v1/tasks/" + queued.get(1)).then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                as(user).body("{\"type\": \"sum\", \"input\": {\"numbers\": [7]}}").post("/api/v1/tasks").statusCode() == 202);
        as(user).get("/api/v1/tasks?status=QUEUED").then().body("items", hasSize(LIMIT - 1));
        assertTrue(io.scalemesh.testing.Management.management().get("/q/metrics").asString().contains("scalemesh_task_shed_total"));
    }

    @Test
    void aTaskCancelledBeforeItStartsIsNeverRun() {
        try (KafkaProbe requested = KafkaProbe.on(Topics.TASK_REQUESTED)) {
            String id = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [1, 1]}}");
            as(user).delete("/api/v1/tasks/" + id).then().statusCode(200).body("status", equalTo("CANCELLED"))
                    .body("finishedAt", org.hamcrest.Matchers.notNullValue());
            as(user).delete("/api/v1/tasks/" + id).then().statusCode(200).body("status", equalTo("CANCELLED"));

            // Its message was still published; a worker that receives it must leave the task alone.
            ConsumerRecord<String, String> message = requested.readUntil(r -> r.value().contains(id), Duration.ofSeconds(30)).get(0);
            worker.attempt(java.util.List.of(new TaskWorker.Delivery(id, message.key(), message.value(), null))).await().atMost(Duration.ofSeconds(10));
            as(user).get("/api/v1/tasks/" + id).then().statusCode(200).body("status", equalTo("CANCELLED"))
                    .body("attempts", equalTo(0)).body("startedAt", nullValue()).body("result", nullValue());
        }
    }

    @Test
    void anApiInstanceDoesNotConsumeTheQueue() {
        String id = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [3]}}");
        // Published, and yet nobody here runs it.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                pool.query("SELECT count(*) FROM outbox").execute().await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0) == 0);
        assertFalse(io.scalemesh.testing.Management.management().get("/q/health/ready").asString().contains("task-requested"),
                "no task.requested consumer on an API-only instance");
        as(user).get("/api/v1/tasks/" + id).then().body("status", equalTo("QUEUED")).header("Retry-After", "1");
    }
}
