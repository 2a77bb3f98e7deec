package io.scalemesh.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.Topics;
import io.scalemesh.testing.KafkaProbe;

/**
 * The task queue end to end, through the gateway, with two task-service instances: a task accepted,
 * run and billed; a worker killed mid-task without a second result, event or charge; a full queue
 * shedding load and taking work again once the workers drained it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TaskQueueIT {

    private static final int QUEUE_LIMIT = 30;
    /** SHA-256 rounds per report day: a 365-day report is several seconds of CPU, long enough to kill its worker. */
    private static final int ROUNDS_PER_DAY = 160_000;

    private final DevStack stack = TestStack.shared();
    private final ServiceInstances services = new ServiceInstances(stack).withEnvironment(Map.of(
            "MESH_TASK_MAX_QUEUE_DEPTH", Integer.toString(QUEUE_LIMIT),
            "MESH_TASK_REPORT_ROUNDS_PER_DAY", Integer.toString(ROUNDS_PER_DAY),
            "MESH_TASK_DEPTH_REFRESH", "0.2s"));
    private String gateway;

    @BeforeAll
    void startTheMesh() {
        services.up(Map.of(MeshService.API_GATEWAY, 1, MeshService.TASK, 2, MeshService.ANALYTICS, 1, MeshService.BILLING, 1),
                line -> System.out.println("[mesh] " + line));
        gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
    }

    @AfterAll
    void stopTheMesh() {
        services.down(line -> System.out.println("[mesh] " + line));
    }

    @Test
    @Order(1)
    void aTaskThroughTheGatewayIsAcceptedRunAndBilled() {
        String user = "tasks-it-" + UUID.randomUUID();
        Response accepted = as(user).body("{\"type\": \"sum\", \"input\": {\"numbers\": [1, 2, 3]}}").post(gateway + "/api/v1/tasks");
        accepted.then().statusCode(202).body("status", equalTo("QUEUED"));
        String location = accepted.getHeader("Location");
        // Relative: it names the gateway's path, never the instance that answered behind it.
        assertEquals("/api/v1/tasks/" + accepted.path("id"), location);
        awaitStatus(user, accepted.path("id"), "SUCCEEDED").then().body("result.sum", equalTo(6));

        // A report asks analytics-service about the user, on the user's behalf.
        String report = submit(user, "{\"type\": \"report\", \"input\": {\"windowDays\": 1}}");
        awaitStatus(user, report, "SUCCEEDED", "FAILED").then().body("status", equalTo("SUCCEEDED"))
                .body("result.userId", equalTo(user)).body("result.tasks.sum.SUCCEEDED", equalTo(1))
                .body("result.checksum", notNullValue());

        awaitInvoiceKinds(user, List.of("task.sum", "task.report"));
        as("someone-else").get(gateway + "/api/v1/tasks/" + report).then().statusCode(403);
    }

    @Test
    @Order(2)
    void aWorkerKilledMidTaskStillCompletesItExactlyOnce() {
        String user = "crash-it-" + UUID.randomUUID();
        try (KafkaProbe completed = KafkaProbe.on(Topics.TASK_COMPLETED)) {
            String id = submit(user, "{\"type\": \"report\", \"input\": {\"windowDays\": 365}}");
            Response running = awaitStatus(user, id, "RUNNING", "SUCCEEDED", "FAILED");
            assertEquals("RUNNING", running.path("status"), "the report must still be running when its worker dies");
            String worker = running.path("worker");
            ServiceInstances.Instance victim = instanceOf(worker);
            services.kill(victim);

            Response done = awaitStatus(user, id, "SUCCEEDED", "FAILED");
            done.then().body("status", equalTo("SUCCEEDED")).body("attempts", equalTo(2));
            assertNotEquals(worker, done.path("worker"), "the survivor finished it");

            // A later task of the same user completes after it on the same partition: once its event
            // and its charge are there, any duplicate of the report's would be too.
            String marker = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [1]}}");
            awaitStatus(user, marker, "SUCCEEDED");
            List<ConsumerRecord<String, String>> events = completed.readUntil(r -> r.value().contains(marker), Duration.ofSeconds(60));
            assertEquals(1, events.stream().filter(r -> r.value().contains(id)).count(), "one task.completed for the report");
            awaitInvoiceKinds(user, List.of("task.report", "task.sum"));

            services.start(victim, line -> System.out.println("[mesh] " + line));
        }
    }

    @Test
    @Order(3)
    void aFullQueueSheds429AndAcceptsAgainOnceTheWorkersDrainIt() {
        String user = "shed-it-" + UUID.randomUUID();
        List<String> accepted = new ArrayList<>();
        Response refused = null;
        for (int i = 0; i < QUEUE_LIMIT * 3 && refused == null; i++) {
            Response response = as(user).body("{\"type\": \"report\", \"input\": {\"windowDays\": 10}}").post(gateway + "/api/v1/tasks");
            if (response.statusCode() == 202) {
                accepted.add(response.path("id"));
            } else {
                assertEquals(429, response.statusCode(), response.asString());
                refused = response;
            }
        }
        assertTrue(refused != null, "the queue never filled: " + accepted.size() + " accepted");
        refused.then().contentType("application/problem+json").body("type", equalTo("https://scalemesh.dev/problems/queue-full"))
                .header("Retry-After", notNullValue());
        assertTrue(accepted.size() >= QUEUE_LIMIT / 2, "accepted " + accepted.size() + " before shedding");

        for (String id : accepted) {
            awaitStatus(user, id, "SUCCEEDED", "FAILED").then().body("status", equalTo("SUCCEEDED"));
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                as(user).body("{\"type\": \"sum\", \"input\": {\"numbers\": [1]}}").post(gateway + "/api/v1/tasks").statusCode() == 202);
    }

    @Test
    @Order(4)
    void aWorkerStoppedMidBatchLeavesItsTasksToTheOtherExactlyOnce() {
        // One user's tasks share a partition, so one worker takes them as one batch; it is stopped
        // (SIGTERM, a scale-down or a rolling update) while they run and its pool closes under them.
        String user = "stop-it-" + UUID.randomUUID();
        try (KafkaProbe completed = KafkaProbe.on(Topics.TASK_COMPLETED)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ids.add(submit(user, "{\"type\": \"report\", \"input\": {\"windowDays\": 10}}"));
            }
            Response running = awaitStatus(user, ids.get(ids.size() - 1), "RUNNING", "SUCCEEDED", "FAILED");
            assertEquals("RUNNING", running.path("status"), "the batch must still be running when its worker stops");
            ServiceInstances.Instance stopped = instanceOf(running.path("worker"));
            services.stop(stopped);

            for (String id : ids) {
                awaitStatus(user, id, "SUCCEEDED", "FAILED").then().body("status", equalTo("SUCCEEDED"));
            }
            // Every task's task.completed arrives; the stopped instance's relay may have sent some of
            // them before it could delete their outbox rows, so a record can come twice, and late (the
            // row was locked by the stopping relay): what must hold is one event per task, one id.
            Set<String> announced = new java.util.HashSet<>();
            List<ConsumerRecord<String, String>> events = completed.readUntil(r -> {
                ids.stream().filter(id -> r.value().contains(id)).forEach(announced::add);
                return announced.size() == ids.size();
            }, Duration.ofSeconds(60));
            String marker = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [1]}}");
            awaitStatus(user, marker, "SUCCEEDED");
            events.addAll(completed.readUntil(r -> r.value().contains(marker), Duration.ofSeconds(60)));
            for (String id : ids) {
                assertEquals(1, events.stream().filter(r -> r.value().contains(id)).map(r -> EventCodec.decode(r.value()).id()).distinct()
                        .count(), "one task.completed event for " + id);
            }
            services.start(stopped, line -> System.out.println("[mesh] " + line));
        }
    }

    /** The instance a task's {@code worker} names (task-service-N), whatever the checkout's path. */
    private ServiceInstances.Instance instanceOf(String worker) {
        assertTrue(worker.matches("task-service-\\d+"), "a worker is named for its instance: " + worker);
        return services.instance(MeshService.TASK, Integer.parseInt(worker.substring("task-service-".length())));
    }

    private RequestSpecification as(String user) {
        return given().auth().oauth2(Tokens.forTests(user, false)).contentType(ContentType.JSON);
    }

    private String submit(String user, String body) {
        return as(user).body(body).post(gateway + "/api/v1/tasks").then().statusCode(202).extract().path("id");
    }

    private Response awaitStatus(String user, String id, String... statuses) {
        Set<String> wanted = Set.of(statuses);
        Response[] last = new Response[1];
        Awaitility.await("task " + id + " to be " + wanted).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = as(user).get(gateway + "/api/v1/tasks/" + id);
            return last[0].statusCode() == 200 && wanted.contains(last[0].<String>path("status"));
        });
        return last[0];
    }

    private void awaitInvoiceKinds(String user, List<String> kinds) {
        Awaitility.await("invoice of " + user).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath invoice = as(user).get(gateway + "/api/v1/billing/invoice").then().statusCode(200).extract().jsonPath();
            assertEquals(kinds, invoice.getList("lines.kind"));
        });
    }
}
