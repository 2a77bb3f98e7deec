package io.scalemesh.gateway.idempotency;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.Topics;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.KafkaProbe;
import jakarta.inject.Inject;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class IdempotencyKeyTest {

    private final String user = "idem-" + UUID.randomUUID();

    @Inject
    RedisDataSource redis;

    private RequestSpecification as(String who, String key) {
        RequestSpecification spec = given().auth().oauth2(Tokens.forTests(who, false)).contentType(ContentType.JSON);
        return key == null ? spec : spec.header("Idempotency-Key", key);
    }

    /** The ids of this user's records that reach Kafka before a final marker action. */
    private List<String> publishedBefore(KafkaProbe probe) {
        String marker = as(user, null).body("{\"type\":\"login\"}").post("/api/v1/actions").then().statusCode(202).extract().path("eventId");
        return probe.readUntil(r -> r.value().contains(marker), Duration.ofSeconds(30)).stream()
                .filter(r -> user.equals(r.key())).map(r -> EventCodec.decode(r.value()).id()).filter(id -> !id.equals(marker)).toList();
    }

    @Test
    void aRetryWithTheSameKeyReplaysTheFirstAnswerAndPublishesNothingNew() {
        String key = UUID.randomUUID().toString();
        try (KafkaProbe probe = KafkaProbe.on(Topics.USER_ACTIONS)) {
            String first = as(user, key).body("{\"type\":\"purchase\"}").post("/api/v1/actions")
                    .then().statusCode(202).header("Idempotency-Replayed", nullValue()).extract().path("eventId");
            String again = as(user, key).body("{\"type\":\"purchase\"}").post("/api/v1/actions")
                    .then().statusCode(202).header("Idempotency-Replayed", "true").extract().path("eventId");
            assertEquals(first, again);
            assertEquals(List.of(first), publishedBefore(probe), "one event for two requests");
        }
        long ttl = redis.key().pttl(IdempotencyKeys.redisKey(user, key));
        assertTrue(ttl > Duration.ofHours(23).toMillis() && ttl <= Duration.ofHours(24).toMillis(), "kept about 24 h, was " + ttl);
    }

    @Test
    void aRetryWhoseFirstAnswerWasNotKeptPublishesTheSameEventId() {
        // After a 503 the answer is not kept, yet the broker may have appended the first attempt:
        // the retry must carry that attempt's id, so every consumer applies the action once.
        String key = UUID.randomUUID().toString();
        try (KafkaProbe probe = KafkaProbe.on(Topics.USER_ACTIONS)) {
            String first = as(user, key).body("{\"type\":\"purchase\"}").post("/api/v1/actions").then().statusCode(202).extract().path("eventId");
            redis.key().del(IdempotencyKeys.redisKey(user, key)); // as a 503 leaves it
            String retry = as(user, key).body("{\"type\":\"purchase\"}").post("/api/v1/actions").then().statusCode(202)
                    .header("Idempotency-Replayed", nullValue()).extract().path("eventId");
            assertEquals(first, retry, "the retry ran again, with the first attempt's id");
            assertEquals(List.of(first, first), publishedBefore(probe), "two records, one event: the consumers' inboxes keep one");
        }
        String otherKey = as(user, UUID.randomUUID().toString()).body("{\"type\":\"purchase\"}").post("/api/v1/actions")
                .then().statusCode(202).extract().path("eventId");
        List<String> batch = as(user, UUID.randomUUID().toString()).body("{\"actions\":[{\"type\":\"view\"},{\"type\":\"view\"}]}")
                .post("/api/v1/actions:batch").then().statusCode(202).extract().path("eventIds");
        assertNotEquals(otherKey, batch.get(0));
        assertNotEquals(batch.get(0), batch.get(1), "each action of a keyed batch has its own id");
    }

    @Test
    void theSameKeyWithAnotherBodyIs422() {
        String key = UUID.randomUUID().toString();
        as(user, key).body("{\"type\":\"purchase\"}").post("/api/v1/actions").then().statusCode(202);
        as(user, key).body("{\"type\":\"export\"}").post("/api/v1/actions").then().statusCode(422)
                .contentType("application/problem+json").body("type", equalTo("https://scalemesh.dev/problems/idempotency-key-reused"));
    }

    @Test
    void keysBelongToOneUser() {
        String key = UUID.randomUUID().toString();
        String mine = as(user, key).body("{\"type\":\"view\"}").post("/api/v1/actions").then().statusCode(202).extract().path("eventId");
        String theirs = as("other-" + UUID.randomUUID(), key).body("{\"type\":\"view\"}").post("/api/v1/actions")
                .then().statusCode(202).header("Idempotency-Replayed", nullValue()).extract().path("eventId");
        assertNotEquals(mine, theirs);
    }

    @Test
    void aRejectedRequestIsReplayedAsRejected() {
        String key = UUID.randomUUID().toString();
        as(user, key).body("{\"type\":\"teleport\"}").post("/api/v1/actions").then().statusCode(400);
        as(user, key).body("{\"type\":\"teleport\"}").post("/api/v1/actions").then().statusCode(400)
                .contentType("application/problem+json").header("Idempotency-Replayed", "true")
                .body("type", equalTo("https://scalemesh.dev/problems/validation"));
    }

    @Test
    void batchesTakeKeysToo() {
        String key = UUID.randomUUID().toString();
        String body = "{\"actions\":[{\"type\":\"view\"},{\"type\":\"share\"}]}";
        List<String> first = as(user, key).body(body).post("/api/v1/actions:batch").then().statusCode(202).extract().path("eventIds");
        List<String> again = as(user, key).body(body).post("/api/v1/actions:batch").then().statusCode(202)
                .header("Idempotency-Replayed", "true").extract().path("eventIds");
        assertEquals(first, again);
    }

    @Test
    void aBadKeyIs400() {
        as(user, "x".repeat(256)).body("{\"type\":\"view\"}").post("/api/v1/actions").then().statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void aFailedAttemptIsNotKeptSoTheRetryRuns() {
        String key = UUID.randomUUID().toString();
        TestStack.shared().component("kafka").stop();
        try {
            as(user, key).body("{\"type\":\"purchase\"}").post("/api/v1/actions").then().statusCode(503);
        } finally {
            TestStack.ensureRunning("kafka");
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                as(user, key).body("{\"type\":\"purchase\"}").post("/api/v1/actions").then().statusCode(202)
                        .header("Idempotency-Replayed", nullValue()));
    }

    @Test
    void withoutRedisAKeyedRequestIsRefusedAndAnUnkeyedOneStillWorks() {
        TestStack.shared().component("redis").stop();
        try {
            as(user, UUID.randomUUID().toString()).body("{\"type\":\"view\"}").post("/api/v1/actions").then().statusCode(503)
                    .contentType("application/problem+json").header("Retry-After", "2");
            as(user, null).body("{\"type\":\"view\"}").post("/api/v1/actions").then().statusCode(202);
        } finally {
            TestStack.ensureRunning("redis");
        }
    }
}
