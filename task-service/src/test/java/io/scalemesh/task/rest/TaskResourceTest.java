package io.scalemesh.task.rest;

import static io.scalemesh.task.Tasks.as;
import static io.scalemesh.task.Tasks.asAdmin;
import static io.scalemesh.task.Tasks.awaitStatus;
import static io.scalemesh.task.Tasks.submit;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.scalemesh.testing.DevStackResource;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class TaskResourceTest {

    private final String user = "tasks-" + UUID.randomUUID();

    @Test
    void acceptsWith202AndALocationThenCompletesWithTheExactSum() {
        Response accepted = as(user).body("{\"type\": \"sum\", \"input\": {\"numbers\": [1, 2, 3]}}").post("/api/v1/tasks");
        accepted.then().statusCode(202).body("status", equalTo("QUEUED")).body("id", notNullValue());
        String id = accepted.path("id");
        assertEquals("/api/v1/tasks/" + id, accepted.path("statusUrl"));
        accepted.then().header("Location", equalTo("/api/v1/tasks/" + id));

        Response done = awaitStatus(user, id, "SUCCEEDED", "FAILED");
        done.then().body("status", equalTo("SUCCEEDED")).body("result.sum", equalTo(6)).body("result.count", equalTo(3))
                .body("attempts", equalTo(1)).body("type", equalTo("sum")).body("userId", equalTo(user))
                .body("startedAt", notNullValue()).body("finishedAt", notNullValue()).body("worker", notNullValue());
        assertEquals(null, done.getHeader("Retry-After"), "a finished task has nothing to wait for");
    }

    @Test
    void sumsBeyondSixtyFourBitsAreExact() {
        String id = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [9223372036854775807, 9223372036854775807, -1, 5]}}");
        awaitStatus(user, id, "SUCCEEDED", "FAILED").then().body("status", equalTo("SUCCEEDED"))
                .body("result.sumText", equalTo("18446744073709551618"));
        String negative = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [-9223372036854775808, -9223372036854775808]}}");
        awaitStatus(user, negative, "SUCCEEDED", "FAILED").then().body("result.sumText", equalTo("-18446744073709551616"));
    }

    @Test
    void theInputIsStoredAsSentWhateverItsLayoutOrPlace() {
        String id = submit(user, "{\"input\" :\n  { \"numbers\" : [ 40 ,\n\t2 ] } ,\r\n \"type\": \"sum\" }");
        awaitStatus(user, id, "SUCCEEDED", "FAILED").then().body("status", equalTo("SUCCEEDED")).body("result.sum", equalTo(42))
                .body("result.count", equalTo(2));
    }

    @Test
    void aHundredThousandNumbersAreTheLimit() {
        String numbers = IntStream.rangeClosed(1, 100_000).mapToObj(Integer::toString).collect(Collectors.joining(","));
        String id = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [" + numbers + "]}}");
        awaitStatus(user, id, "SUCCEEDED", "FAILED").then().body("result.sum", equalTo(5_000_050_000L))
                .body("result.count", equalTo(100_000));
        as(user).body("{\"type\": \"sum\", \"input\": {\"numbers\": [" + numbers + ",1]}}").post("/api/v1/tasks").then()
                .statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("input.numbers")).body("errors[0].message", containsString("at most 100000"));
    }

    @Test
    void everyBadInputIsA400AndQueuesNothing() {
        Map<String, String> bad = Map.ofEntries(
                Map.entry("{\"type\": \"fold\", \"input\": {}}", "type"),
                Map.entry("{\"input\": {\"numbers\": [1]}}", "type"),
                Map.entry("{\"type\": 7, \"input\": {\"numbers\": [1]}}", "type"),
                Map.entry("{\"type\": \"sum\"}", "input"),
                Map.entry("{\"type\": \"sum\", \"input\": [1, 2]}", "input"),
                Map.entry("{\"type\": \"sum\", \"input\": {}}", "input.numbers"),
                Map.entry("{\"type\": \"sum\", \"input\": {\"numbers\": \"1,2\"}}", "input.numbers"),
                Map.entry("{\"type\": \"sum\", \"input\": {\"numbers\": [1, 2.5]}}", "input.numbers[1]"),
                Map.entry("{\"type\": \"sum\", \"input\": {\"numbers\": [1e3]}}", "input.numbers[0]"),
                Map.entry("{\"type\": \"sum\", \"input\": {\"numbers\": [\"1\"]}}", "input.numbers[0]"),
                Map.entry("{\"type\": \"sum\", \"input\": {\"numbers\": [null]}}", "input.numbers[0]"),
                Map.entry("{\"type\": \"sum\", \"input\": {\"numbers\": [[1]]}}", "input.numbers[0]"),
                Map.entry("{\"type\": \"sum\", \"input\": {\"numbers\": [9223372036854775808]}}", "input.numbers[0]"),
                Map.entry("{\"type\": \"sum\", \"input\": {\"numbers\": [1], \"extra\": 1}}", "input.extra"),
                Map.entry("{\"type\": \"sum\", \"input\": {\"numbers\": [1]}, \"priority\": 1}", "priority"),
                Map.entry("{\"type\": \"report\", \"input\": {\"windowDays\": 0}}", "input.windowDays"),
                Map.entry("{\"type\": \"report\", \"input\": {\"windowDays\": \"30\"}}", "input.windowDays"));
        bad.forEach((body, field) -> as(user).body(body).post("/api/v1/tasks").then()
                .statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://scalemesh.dev/problems/validation"))
                .body("errors.field", org.hamcrest.Matchers.hasItem(field)));
        for (String body : List.of("", "{\"type\": \"sum\",", "[1, 2]", "\"sum\"")) {
            as(user).body(body).post("/api/v1/tasks").then().statusCode(400).contentType("application/problem+json");
        }
        // Ambiguous or trailing JSON is malformed, at any depth: no key given twice is silently dropped.
        for (String body : List.of("{\"type\": \"sum\", \"type\": \"report\", \"input\": {\"numbers\": [1]}}",
                "{\"type\": \"sum\", \"input\": {\"numbers\": [1], \"numbers\": [2]}}",
                "{\"type\": \"sum\", \"input\": {\"numbers\": [1]}} {\"type\": \"sum\"}")) {
            as(user).body(body).post("/api/v1/tasks").then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("https://scalemesh.dev/problems/malformed-json"));
        }
        as(user).get("/api/v1/tasks").then().statusCode(200).body("items", hasSize(0));
    }

    @Test
    void aTaskIsItsOwnersAndAnAdminsOnly() {
        String id = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [1]}}");
        as("mallory").get("/api/v1/tasks/" + id).then().statusCode(403).contentType("application/problem+json");
        as("mallory").delete("/api/v1/tasks/" + id).then().statusCode(403);
        as("mallory").get("/api/v1/tasks?userId=" + user).then().statusCode(403);
        asAdmin().get("/api/v1/tasks/" + id).then().statusCode(200).body("userId", equalTo(user));
        asAdmin().get("/api/v1/tasks?userId=" + user).then().statusCode(200).body("items[0].id", equalTo(id));
        as(user).get("/api/v1/tasks/" + UUID.randomUUID()).then().statusCode(404).contentType("application/problem+json");
        as(user).get("/api/v1/tasks/not-a-task").then().statusCode(404).contentType("application/problem+json");
        io.restassured.RestAssured.given().get("/api/v1/tasks/" + id).then().statusCode(401);
    }

    @Test
    void listsOwnTasksNewestFirstByStatusInPages() {
        List<String> ids = IntStream.range(0, 3)
                .mapToObj(i -> submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [" + i + "]}}")).toList();
        ids.forEach(id -> awaitStatus(user, id, "SUCCEEDED"));
        Response first = as(user).get("/api/v1/tasks?limit=2&status=succeeded");
        first.then().statusCode(200).body("items.id", org.hamcrest.Matchers.contains(ids.get(2), ids.get(1)))
                .body("next", notNullValue());
        as(user).get(first.<String>path("next")).then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(ids.get(0))).body("next", nullValue());
        as(user).get("/api/v1/tasks?status=FAILED").then().statusCode(200).body("items", hasSize(0));
        as(user).get("/api/v1/tasks?status=DONE").then().statusCode(400).contentType("application/problem+json");
        as(user).get("/api/v1/tasks?limit=0").then().statusCode(400);
        as(user).get("/api/v1/tasks?limit=ten").then().statusCode(400);
        as(user).get("/api/v1/tasks?before=x").then().statusCode(400);
    }

    @Test
    void aFinishedTaskCannotBeCancelled() {
        String id = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [1]}}");
        awaitStatus(user, id, "SUCCEEDED");
        as(user).delete("/api/v1/tasks/" + id).then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("SUCCEEDED"));
    }

    @Test
    void anIdempotencyKeyReplaysTheFirstAcceptanceAndRefusesAnotherBody() {
        String body = "{\"type\": \"sum\", \"input\": {\"numbers\": [40, 2]}}";
        Response first = as(user).header("Idempotency-Key", "order-42").body(body).post("/api/v1/tasks");
        first.then().statusCode(202);
        Response again = as(user).header("Idempotency-Key", "order-42").body(body).post("/api/v1/tasks");
        again.then().statusCode(202).header("Idempotency-Replayed", "true").body("id", equalTo(first.path("id")));
        as(user).header("Idempotency-Key", "order-42").body("{\"type\": \"sum\", \"input\": {\"numbers\": [41]}}")
                .post("/api/v1/tasks").then().statusCode(422).contentType("application/problem+json");
        // Keys are per user: another user's same key is another task.
        as(user + "-b").header("Idempotency-Key", "order-42").body(body).post("/api/v1/tasks").then().statusCode(202)
                .header("Idempotency-Replayed", nullValue());
        as(user).header("Idempotency-Key", "has space").body(body).post("/api/v1/tasks").then().statusCode(400);
        awaitStatus(user, first.path("id"), "SUCCEEDED");
        as(user).get("/api/v1/tasks").then().body("items", hasSize(1));
    }
}
