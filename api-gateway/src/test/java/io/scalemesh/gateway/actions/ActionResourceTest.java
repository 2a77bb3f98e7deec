package io.scalemesh.gateway.actions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventTypes;
import io.scalemesh.events.Topics;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.KafkaProbe;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class ActionResourceTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static String newUser() {
        return "user-" + UUID.randomUUID();
    }

    private static io.restassured.specification.RequestSpecification as(String user) {
        return given().auth().oauth2(Tokens.forTests(user, false)).contentType(ContentType.JSON);
    }

    @Test
    void anActionIsInKafkaWhenThe202Arrives() {
        String user = newUser();
        try (KafkaProbe probe = KafkaProbe.on(Topics.USER_ACTIONS)) {
            String eventId = as(user).body("{\"type\":\"purchase\",\"attributes\":{\"sku\":\"book-1\",\"quantity\":2}}")
                    .post("/api/v1/actions")
                    .then().statusCode(202).body("eventId", startsWith("")).extract().path("eventId");

            ConsumerRecord<String, String> record = probe.readUntil(r -> r.value().contains(eventId), WAIT).stream()
                    .filter(r -> r.value().contains(eventId)).findFirst().orElseThrow();
            assertEquals(user, record.key(), "keyed by user for per-user ordering");
            assertEquals(EventEnvelope.CONTENT_TYPE, new String(record.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8));
            EventEnvelope event = EventCodec.decode(record.value());
            assertEquals(eventId, event.id());
            assertEquals(EventTypes.USER_ACTION, event.type());
            assertEquals(user, event.subject());
            EventData.UserAction action = EventCodec.userAction(event);
            assertEquals("purchase", action.action());
            assertEquals("book-1", action.attribute("sku"));
        }
    }

    @Test
    void aBatchIsPublishedWholeAndInOrder() {
        String user = newUser();
        String body = "{\"actions\":[" + IntStream.range(0, 20)
                .mapToObj(i -> "{\"type\":\"view\",\"attributes\":{\"seq\":" + i + "}}").collect(Collectors.joining(",")) + "]}";
        try (KafkaProbe probe = KafkaProbe.on(Topics.USER_ACTIONS)) {
            List<String> ids = as(user).body(body).post("/api/v1/actions:batch")
                    .then().statusCode(202).body("eventIds", hasSize(20)).extract().path("eventIds");
            List<String> published = probe.readUntil(r -> r.value().contains(ids.get(19)), WAIT).stream()
                    .filter(r -> user.equals(r.key())).map(r -> EventCodec.decode(r.value()).id()).toList();
            assertEquals(ids, published, "every event, once, in the order of the batch");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        malformed JSON              | {"type": "purchase"              | application/json | 400 | malformed-json
        empty body                  | ''                               | application/json | 400 | invalid-request
        missing type                | {"attributes": {}}               | application/json | 400 | validation
        unknown type                | {"type": "teleport"}             | application/json | 400 | validation
        type not a string           | {"type": 42}                     | application/json | 400 | validation
        attributes not an object    | {"type": "view", "attributes": [1]} | application/json | 400 | validation
        unknown field               | {"type": "view", "colour": "red"} | application/json | 400 | validation
        not an object               | ["view"]                         | application/json | 400 | validation
        a key given twice           | {"type": "view", "type": "purchase"} | application/json | 400 | malformed-json
        an attribute key twice      | {"type": "view", "attributes": {"a": 1, "a": 2}} | application/json | 400 | malformed-json
        wrong content type          | {"type": "view"}                 | text/plain       | 415 | unsupported-media-type
        """)
    void aBadActionIsAProblemAndPublishesNothing(String name, String body, String contentType, int status, String problem) {
        String user = newUser();
        assertRejectedAndNothingPublished(user, () -> given().auth().oauth2(Tokens.forTests(user, false))
                .contentType(contentType).body(body).post("/api/v1/actions"), status, problem);
    }

    @Test
    void aBodyOver64KiBIs413() {
        String user = newUser();
        String big = "{\"type\":\"view\",\"attributes\":{\"blob\":\"" + "x".repeat(70 * 1024) + "\"}}";
        assertRejectedAndNothingPublished(user, () -> as(user).body(big).post("/api/v1/actions"), 413, "payload-too-large");
    }

    @Test
    void anAttributeLongerThanAConsumerCanCarryIsRejectedByItsPath() {
        String user = newUser();
        String body = "{\"type\":\"purchase\",\"attributes\":{\"item\":{\"name\":\"" + "x".repeat(1025) + "\"}}}";
        assertRejectedAndNothingPublished(user, () -> as(user).body(body).post("/api/v1/actions"), 400, "validation");
        as(user).body(body).post("/api/v1/actions").then().body("errors[0].field", org.hamcrest.Matchers.equalTo("attributes.item.name"));
        as(user).body(body.replace("x".repeat(1025), "x".repeat(1024))).post("/api/v1/actions").then().statusCode(202);
    }

    @Test
    void attributesNestedTooDeepAreRejected() {
        String user = newUser();
        String deep = "{\"a\":".repeat(12) + "1" + "}".repeat(12);
        assertRejectedAndNothingPublished(user, () -> as(user).body("{\"type\":\"view\",\"attributes\":" + deep + "}")
                .post("/api/v1/actions"), 400, "validation");
    }

    @Test
    void aBatchOver500IsRejectedWhole() {
        String user = newUser();
        String body = "{\"actions\":[" + IntStream.range(0, 501).mapToObj(i -> "{\"type\":\"view\"}")
                .collect(Collectors.joining(",")) + "]}";
        assertRejectedAndNothingPublished(user, () -> as(user).body(body).post("/api/v1/actions:batch"), 413, "batch-too-large");
    }

    @Test
    void oneBadActionRejectsTheWholeBatchAndNamesIt() {
        String user = newUser();
        assertRejectedAndNothingPublished(user, () -> as(user)
                .body("{\"actions\":[{\"type\":\"view\"},{\"type\":\"nope\"},{\"type\":\"login\"}]}")
                .post("/api/v1/actions:batch"), 400, "validation");
        as(user).body("{\"actions\":[{\"type\":\"view\"},{\"type\":\"nope\"}]}").post("/api/v1/actions:batch")
                .then().body("errors.field", hasItem("actions[1].type"));
        as(user).body("{\"actions\":[]}").post("/api/v1/actions:batch").then().statusCode(400).body("errors.field", hasItem("actions"));
    }

    @Test
    void aDeadBrokerIsA503WithRetryAfterNeverA202() {
        String user = newUser();
        TestStack.shared().component("kafka").stop();
        try {
            as(user).body("{\"type\":\"view\"}").post("/api/v1/actions")
                    .then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "5").body("type", equalTo("https://scalemesh.dev/problems/unavailable"));
        } finally {
            TestStack.ensureRunning("kafka");
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                as(user).body("{\"type\":\"view\"}").post("/api/v1/actions").then().statusCode(202));
    }

    /** Sends the bad request, then a valid marker for the same user: only the marker may reach Kafka. */
    private static void assertRejectedAndNothingPublished(String user, java.util.function.Supplier<io.restassured.response.Response> bad,
            int status, String problem) {
        try (KafkaProbe probe = KafkaProbe.on(Topics.USER_ACTIONS)) {
            bad.get().then().statusCode(status).contentType("application/problem+json")
                    .body("type", equalTo("https://scalemesh.dev/problems/" + problem))
                    .body("status", equalTo(status));
            String marker = as(user).body("{\"type\":\"login\"}").post("/api/v1/actions").then().statusCode(202)
                    .extract().path("eventId");
            List<String> fromUser = probe.readUntil(r -> r.value().contains(marker), WAIT).stream()
                    .filter(r -> user.equals(r.key())).map(r -> EventCodec.decode(r.value()).id()).toList();
            assertEquals(List.of(marker), fromUser, "nothing but the marker was published");
        }
    }
}
