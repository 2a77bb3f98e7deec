package io.scalemesh.gateway.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.scalemesh.devstack.DevStackResource;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.Tokens;

/**
 * Keys from a JWKS URL, as an OIDC provider publishes them: when the provider rotates to a new key,
 * the gateway accepts tokens with the new {@code kid} at once, with no restart, and refuses the
 * retired key's tokens. The provider is a real HTTP server whose JWKS the test replaces.
 */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
@TestProfile(JwksRotationTest.JwksUrlProfile.class)
class JwksRotationTest {

    static final JwtKeys FIRST = JwtKeys.untrusted();
    static final JwtKeys SECOND = JwtKeys.untrusted();
    static final AtomicReference<String> PUBLISHED = new AtomicReference<>(JwtKeys.jwks(List.of(FIRST.jwk("first"))));
    static final AtomicInteger FETCHES = new AtomicInteger();
    static HttpServer provider;

    public static class JwksUrlProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mesh.jwt.public-key-location", "http://127.0.0.1:" + startProvider() + "/jwks");
        }
    }

    static synchronized int startProvider() {
        if (provider == null) {
            try {
                provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            provider.createContext("/jwks", exchange -> {
                FETCHES.incrementAndGet();
                byte[] body = PUBLISHED.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            provider.start();
        }
        return provider.getAddress().getPort();
    }

    @AfterAll
    static synchronized void stopProvider() {
        if (provider != null) {
            provider.stop(0);
            provider = null;
        }
    }

    @Test
    void aRotatedKeyIsPickedUpWithoutARestartAndTheRetiredOneRefused() {
        post(Tokens.signedWith(FIRST).keyId("first").subject("before-rotation").sign(), 202);
        int fetchesBefore = FETCHES.get();

        PUBLISHED.set(JwtKeys.jwks(List.of(SECOND.jwk("second"))));
        post(Tokens.signedWith(SECOND).keyId("second").subject("after-rotation").sign(), 202);
        assertEquals(fetchesBefore + 1, FETCHES.get(), "the unknown kid made the gateway fetch the JWKS once more");

        post(Tokens.signedWith(FIRST).keyId("first").subject("retired-key").sign(), 401);
        // A forger's made-up kids do not make the gateway hammer the provider: one forced refresh per interval.
        for (int i = 0; i < 5; i++) {
            post(Tokens.signedWith(JwtKeys.untrusted()).keyId("forged-" + i).sign(), 401);
        }
        assertEquals(fetchesBefore + 1, FETCHES.get(), "unknown kids within the forced-refresh interval fetch nothing");
    }

    private static void post(String token, int status) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"type\":\"view\"}").post("/api/v1/actions")
                .then().statusCode(status);
    }
}
