package io.scalemesh.gateway.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.testing.DevStackResource;
import jakarta.inject.Inject;

/** The verified-token cache saves the RS256 check on a token's later requests, and nothing else. */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class VerifiedTokensTest {

    @Inject
    MeterRegistry registry;

    private double count(String result) {
        return registry.counter("scalemesh.token.cache", "service", "api-gateway", "result", result).count();
    }

    private static int post(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"type\":\"view\"}")
                .post("/api/v1/actions").statusCode();
    }

    @Test
    void aTokenIsVerifiedOnceThenServedFromTheCache() {
        String token = Tokens.forTests("cache-once", false);
        double hits = count("hit");
        double misses = count("miss");
        for (int i = 0; i < 3; i++) {
            assertEquals(202, post(token));
        }
        assertEquals(misses + 1, count("miss"));
        assertEquals(hits + 2, count("hit"));
    }

    @Test
    void aCachedTokenIsVerifiedAgainOnceItsExpHasPassed() {
        JwtKeys trusted = JwtKeys.of(TestStack.shared().settings());
        // exp is in whole seconds: two seconds from now is at least one second away.
        String token = Tokens.signedWith(trusted).subject("cache-exp").issuedAt(Instant.now()).lifetime(Duration.ofSeconds(2)).sign();
        assertEquals(202, post(token));
        double misses = count("miss");
        assertEquals(202, post(token));
        assertEquals(misses, count("miss"), "the second request is served from the cache");
        // Past exp the cache no longer vouches for the token: the verifier sees it again (and
        // decides with its own clock skew), so the cache never lengthens a token's life.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            double before = count("miss");
            post(token);
            return count("miss") > before;
        });
    }

    @Test
    void aTokenThatFailsVerificationIsNeverCached() {
        String forged = Tokens.signedWith(JwtKeys.untrusted()).subject("cache-forged").sign();
        double hits = count("hit");
        double misses = count("miss");
        assertEquals(401, post(forged));
        assertEquals(401, post(forged));
        assertEquals(misses + 2, count("miss"));
        assertEquals(hits, count("hit"));
    }
}
