package io.scalemesh.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.scalemesh.devstack.IdentityKeys;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.testing.DevStackResource;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;

/**
 * What the gateway hands a backend (route {@code /api/v1/feed}, a real HTTP server here): the
 * caller as an internal identity token it signed, and nothing the client said about itself; and
 * Server-Sent Events streams capped per user and closed at their maximum age.
 */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
@TestProfile(ProxySecurityTest.FeedBackend.class)
class ProxySecurityTest {

    static final int PORT = freePort();

    public static class FeedBackend implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mesh.routes.route.feed.instances", "127.0.0.1:" + PORT,
                    "mesh.gateway.streams.max-per-user", "2",
                    "mesh.gateway.streams.max-age", "3s");
        }
    }

    @Inject
    Vertx vertx;

    @Inject
    ObjectMapper json;

    @TestHTTPResource("/")
    java.net.URL gateway;

    private HttpServer backend;
    /** The headers of each request the backend received, by the request's X-Probe. */
    private final Map<String, Map<String, String>> received = new ConcurrentHashMap<>();

    @BeforeEach
    void startBackend() throws Exception {
        backend = vertx.createHttpServer().requestHandler(request -> {
            Map<String, String> headers = new ConcurrentHashMap<>();
            request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
            received.put(String.valueOf(request.getHeader("X-Probe")), headers);
            if (String.valueOf(request.getHeader("Accept")).contains("text/event-stream")) {
                // A stream that never ends by itself: one event, then silence.
                request.response().setChunked(true).putHeader("Content-Type", "text/event-stream").write("data: hello\n\n");
            } else {
                request.response().putHeader("Content-Type", "application/json").end("{}");
            }
        }).listen(PORT, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopBackend() throws Exception {
        backend.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void theBackendLearnsTheCallerFromATokenTheGatewaySigned() throws Exception {
        String probe = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.forTests("alice", false)).header("X-Probe", probe)
                .header("X-Mesh-User", "root").header("X-Mesh-Roles", "admin").get("/api/v1/feed/items").then().statusCode(200);
        Map<String, String> headers = received.get(probe);
        assertNull(headers.get("x-mesh-user"), "a client's identity header reached the backend");
        assertNull(headers.get("x-mesh-roles"), "a client's roles header reached the backend");
        String bearer = headers.get("authorization");
        assertTrue(bearer != null && bearer.startsWith("Bearer "), "no identity token: " + headers);
        String[] parts = bearer.substring("Bearer ".length()).split("\\.");
        JsonNode header = json.readTree(Base64.getUrlDecoder().decode(parts[0]));
        JsonNode claims = json.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertEquals("alice", claims.path("sub").asText());
        assertEquals(Tokens.INTERNAL_AUDIENCE, claims.path("aud").asText());
        assertEquals(Tokens.INTERNAL_ISSUER, claims.path("iss").asText());
        assertEquals(IdentityKeys.GATEWAY, header.path("kid").asText());
        assertTrue(claims.path("exp").asLong() - claims.path("iat").asLong() <= 60, "lives longer than 60 s: " + claims);
        assertFalse(claims.path("groups").toString().contains("admin"), "alice became an admin: " + claims);
        assertTrue(signedByTheGateway(parts), "not signed with the gateway's identity key");
        assertNotEquals(Tokens.forTests("alice", false), bearer.substring(7), "the client's own token was passed on");
    }

    @Test
    void aUserHoldsAtMostTwoStreamsAndEachClosesAtItsMaximumAge() throws Exception {
        String user = "streamer-" + UUID.randomUUID();
        List<Socket> open = new ArrayList<>();
        try {
            open.add(stream(user));
            open.add(stream(user));
            assertEquals(200, status(open.get(0)));
            assertEquals(200, status(open.get(1)));
            Socket third = stream(user);
            assertEquals(429, status(third), "a third stream was let through");
            third.close();
            Socket someoneElse = stream("other-" + user);
            assertEquals(200, status(someoneElse), "another user's stream was refused");
            someoneElse.close();

            open.remove(0).close();
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Socket again = stream(user);
                int status = status(again);
                if (status == 200) {
                    open.add(again);
                    return true;
                }
                again.close();
                return false;
            });
            // Both open streams end by themselves at the 3 s maximum age.
            for (Socket socket : open) {
                socket.setSoTimeout(10_000);
                assertTrue(endsWithin(socket), "a stream outlived its maximum age");
            }
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
    }

    private Socket stream(String user) throws IOException {
        Socket socket = new Socket(gateway.getHost(), gateway.getPort());
        socket.setSoTimeout(5_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/v1/feed/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                + "Authorization: Bearer " + Tokens.forTests(user, false) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static int status(Socket socket) throws IOException {
        String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        return Integer.parseInt(line.split(" ")[1]);
    }

    /** Reads until the gateway closes the connection. */
    private static boolean endsWithin(Socket socket) throws IOException {
        try {
            byte[] buffer = new byte[4096];
            while (socket.getInputStream().read(buffer) >= 0) {
                // the event and the headers; the end is what counts
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    private static boolean signedByTheGateway(String[] parts) throws Exception {
        RSAPrivateCrtKey key = (RSAPrivateCrtKey) IdentityKeys.signer(TestStack.shared().settings(), IdentityKeys.GATEWAY).privateKey();
        var publicKey = java.security.KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initVerify(publicKey);
        rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        return rsa.verify(Base64.getUrlDecoder().decode(parts[2]));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
