package io.scalemesh.gateway.ratelimit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.testing.DevStackResource;
import jakarta.inject.Inject;

@QuarkusTest
@TestProfile(RateLimitTest.BucketOfFive.class)
@QuarkusTestResource(DevStackResource.class)
class RateLimitTest {

    /** Five requests at once, one more per second, on /api/v1/actions. */
    public static class BucketOfFive implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mesh.gateway.rate-limit.routes.actions.capacity", "5",
                    "mesh.gateway.rate-limit.routes.actions.refill-per-second", "1");
        }
    }

    @Inject
    TokenBuckets buckets;

    @Inject
    RateLimits limits;

    @Inject
    RedisDataSource redis;

    private static Response post(String user) {
        var request = given().contentType(ContentType.JSON).body("{\"type\":\"view\"}");
        return (user == null ? request : request.auth().oauth2(Tokens.forTests(user, false))).post("/api/v1/actions");
    }

    @Test
    void aBucketOfFivePassesFiveThenAnswers429UntilItRefills() {
        String user = "rl-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            post(user).then().statusCode(202).header("RateLimit-Limit", "5").header("RateLimit-Remaining", Integer.toString(4 - i));
        }
        post(user).then().statusCode(429).contentType("application/problem+json")
                .header("Retry-After", "1").header("RateLimit-Remaining", "0")
                .body("type", equalTo("https://scalemesh.dev/problems/rate-limited"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> post(user).then().statusCode(202));
    }

    @Test
    void aBatchOfNActionsCostsNTokens() {
        String user = "rl-" + UUID.randomUUID();
        String three = "{\"actions\":[{\"type\":\"view\"},{\"type\":\"view\"},{\"type\":\"view\"}]}";
        given().auth().oauth2(Tokens.forTests(user, false)).contentType(ContentType.JSON).body(three).post("/api/v1/actions:batch")
                .then().statusCode(202);
        post(user).then().statusCode(202);
        post(user).then().statusCode(202);
        post(user).then().statusCode(429); // 3 + 2 of 5
        // A batch bigger than what is left is refused whole, with nothing published, and says when to retry.
        String user2 = "rl-" + UUID.randomUUID();
        post(user2).then().statusCode(202);
        post(user2).then().statusCode(202);
        given().auth().oauth2(Tokens.forTests(user2, false)).contentType(ContentType.JSON)
                .body("{\"actions\":[" + "{\"type\":\"view\"},".repeat(4) + "{\"type\":\"view\"}]}").post("/api/v1/actions:batch")
                .then().statusCode(429).contentType("application/problem+json").header("Retry-After", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void anEncodedRouteNameDrawsFromTheRoutesOwnBucket() {
        String user = "rl-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            post(user).then().statusCode(202);
        }
        // %61 is "a": the same route to the router, so the same bucket, not a fresh one.
        given().auth().oauth2(Tokens.forTests(user, false)).contentType(ContentType.JSON).body("{\"type\":\"view\"}")
                .urlEncodingEnabled(false).post("/api/v1/%61ctions").then().statusCode(429);
    }

    @Test
    void aPathWithDotSegmentsIsRefused() {
        String token = Tokens.forTests("rl-" + UUID.randomUUID(), false);
        for (String path : new String[] { "/api/v1/notifications/../actions", "/api/v1/./actions", "/api/v1/x/%2e%2e/actions",
                "/api/v1/profiles/a%2fb" }) {
            given().auth().oauth2(token).urlEncodingEnabled(false).get(path).then().statusCode(400)
                    .contentType("application/problem+json");
        }
    }

    @Test
    void oneUsersBucketDoesNotLimitAnother() {
        String greedy = "rl-" + UUID.randomUUID();
        for (int i = 0; i < 6; i++) {
            post(greedy);
        }
        post(greedy).then().statusCode(429);
        post("rl-" + UUID.randomUUID()).then().statusCode(202);
    }

    @Test
    void theBucketLivesInRedisSoEveryGatewayInstanceSharesIt() {
        String user = "rl-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            post(user).then().statusCode(202);
        }
        // Another gateway instance draws from the same Redis bucket: here, the limiter called directly.
        TokenBuckets.Decision other = buckets.take("user:" + user + ":actions", limits.forRoute("actions"))
                .await().atMost(Duration.ofSeconds(5));
        assertEquals(false, other.local(), "drawn from Redis, not from this instance's fallback");
        assertEquals(false, other.allowed(), "the requests above emptied the bucket every instance shares");
        assertEquals(1, redis.key().exists("gateway:rl:user:" + user + ":actions") ? 1 : 0);
    }

    @Test
    void aRedisThatForgotTheScriptStillLimitsFromRedis() {
        String user = "rl-" + UUID.randomUUID();
        post(user).then().statusCode(202);
        redis.execute("SCRIPT", "FLUSH"); // as after a Redis restart: the script's SHA is unknown now
        TokenBuckets.Decision next = buckets.take("user:" + user + ":actions", limits.forRoute("actions"))
                .await().atMost(Duration.ofSeconds(5));
        assertEquals(false, next.local(), "the script was sent again, not skipped for the local fallback");
        assertEquals(true, next.allowed());
    }

    @Test
    void withoutRedisEachInstanceLimitsOnItsOwnAndNeverFails() {
        String user = "rl-" + UUID.randomUUID();
        TestStack.shared().component("redis").stop();
        try {
            for (int i = 0; i < 5; i++) {
                post(user).then().statusCode(202);
            }
            post(user).then().statusCode(429).contentType("application/problem+json");
        } finally {
            TestStack.ensureRunning("redis");
        }
    }

    @Test
    void unauthenticatedCallersAreLimitedByAddress() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> post(null).then().statusCode(429));
        // and a bad token is still refused as a bad token while the address has tokens left
    }
}
