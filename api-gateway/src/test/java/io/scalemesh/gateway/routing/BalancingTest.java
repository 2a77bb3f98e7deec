package io.scalemesh.gateway.routing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.testing.DevStackResource;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;

/**
 * The gateway in front of two real HTTP backends on this machine (route {@code /api/v1/probe}):
 * both get traffic; one killed costs no request and is taken out; back, it gets traffic again; a
 * stalled or 503-answering instance is passed over; with none left the answer is a 503 problem.
 */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
@TestProfile(BalancingTest.TwoBackends.class)
class BalancingTest {

    static final int[] PORTS = {freePort(), freePort()};

    public static class TwoBackends implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mesh.routes.route.probe.instances", "127.0.0.1:" + PORTS[0] + ",127.0.0.1:" + PORTS[1],
                    // Found through DNS, as in Kubernetes through a headless Service.
                    "mesh.routes.route.found.instances", "dns:localhost:" + PORTS[1],
                    "mesh.gateway.balancer.open-for", "1s",
                    "mesh.gateway.backend.idle-timeout", "1s");
        }
    }

    /** How backend i behaves: 200 ok, 503, or no answer at all. */
    enum Mode { OK, UNAVAILABLE, STALL }

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry registry;

    private final HttpServer[] servers = new HttpServer[2];
    private final AtomicInteger[] hits = {new AtomicInteger(), new AtomicInteger()};
    private final Mode[] modes = {Mode.OK, Mode.OK};

    @BeforeEach
    void startBackends() throws Exception {
        for (int i = 0; i < 2; i++) {
            start(i);
        }
    }

    @AfterEach
    void stopBackends() throws Exception {
        for (int i = 0; i < 2; i++) {
            stop(i);
        }
        Thread.sleep(1_100); // every breaker of this test half-opens before the next
    }

    @Test
    void bothInstancesGetTrafficAndAKilledOneCostsNoRequest() throws Exception {
        for (int i = 0; i < 20; i++) {
            probe().get("/api/v1/probe/ping").then().statusCode(200);
        }
        assertTrue(hits[0].get() >= 8 && hits[1].get() >= 8, "round-robin: " + hits[0] + " / " + hits[1]);

        stop(1);
        int before = hits[0].get();
        for (int i = 0; i < 20; i++) {
            probe().get("/api/v1/probe/ping").then().statusCode(200).body("instance", equalTo(0));
            probe().body("{}").post("/api/v1/probe/write").then().statusCode(200); // refused before sending: safe to move on
        }
        assertEquals(before + 40, hits[0].get(), "the survivor took every request");

        start(1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            probe().get("/api/v1/probe/ping").then().statusCode(200);
            return hits[1].get() > 0;
        });
    }

    @Test
    void aRouteCanFindItsInstancesThroughDns() {
        for (int i = 0; i < 4; i++) {
            probe().get("/api/v1/found/ping").then().statusCode(200).body("instance", equalTo(1));
        }
        assertEquals(4, hits[1].get());
    }

    @Test
    void aStalledOrFailingInstanceIsPassedOverForSafeRequests() {
        modes[1] = Mode.STALL;
        for (int i = 0; i < 6; i++) {
            probe().get("/api/v1/probe/ping").then().statusCode(200).body("instance", equalTo(0));
        }
        modes[1] = Mode.UNAVAILABLE;
        for (int i = 0; i < 6; i++) {
            probe().get("/api/v1/probe/ping").then().statusCode(200).body("instance", equalTo(0));
        }
    }

    @Test
    void anUnsafeRequestIsNotRepeatedAfterItWasSent() {
        modes[0] = Mode.STALL;
        modes[1] = Mode.STALL;
        long begin = System.nanoTime();
        probe().body("{}").post("/api/v1/probe/write").then().statusCode(503).contentType("application/problem+json");
        assertTrue(System.nanoTime() - begin < TimeUnit.SECONDS.toNanos(5), "answered after the idle timeout, not hung");
        assertEquals(1, hits[0].get() + hits[1].get(), "a POST that went out is sent once, never to a second instance");
    }

    @Test
    void clientsThatHangUpMidRequestBlameNoInstance() throws Exception {
        String token = Tokens.forTests("balancer", false);
        for (int i = 0; i < 4; i++) { // more than the 3 failures that open a breaker
            int seen = hits[1].get();
            try (Socket client = new Socket("127.0.0.1", io.restassured.RestAssured.port)) {
                client.getOutputStream().write(("POST /api/v1/found/write HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"part").getBytes(StandardCharsets.US_ASCII));
                client.getOutputStream().flush();
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> hits[1].get() > seen); // the backend has it
            } // ... and the client hangs up, its body unfinished
        }
        // Past the 1 s idle timeout: the abandoned requests were the client's doing, not the instance's.
        Awaitility.await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3)).until(() -> failures("found") == 0);
        probe().get("/api/v1/found/ping").then().statusCode(200).body("instance", equalTo(1));
    }

    private double failures(String route) {
        return registry.find("scalemesh.gateway.backend.failures").tag("route", route).counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    @Test
    void withEveryInstanceDownTheAnswerIsA503ProblemWithRetryAfter() throws Exception {
        stop(0);
        stop(1);
        for (int i = 0; i < 8; i++) {
            probe().get("/api/v1/probe/ping").then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", org.hamcrest.Matchers.notNullValue());
        }
        probe().get("/api/v1/probe/ping").then().statusCode(503).body("detail", org.hamcrest.Matchers.containsString("probe"));
    }

    private RequestSpecification probe() {
        return given().auth().oauth2(Tokens.forTests("balancer", false)).contentType("application/json");
    }

    private void start(int i) throws Exception {
        if (servers[i] != null) {
            return;
        }
        int index = i;
        servers[i] = vertx.createHttpServer().requestHandler(request -> {
            hits[index].incrementAndGet();
            switch (modes[index]) {
                case OK -> request.body().onComplete(body -> request.response().putHeader("Content-Type", "application/json")
                        .end("{\"instance\": " + index + "}"));
                case UNAVAILABLE -> request.response().setStatusCode(503).end();
                case STALL -> { } // never answers
            }
        }).listen(PORTS[i], "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private void stop(int i) throws Exception {
        if (servers[i] != null) {
            servers[i].close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            servers[i] = null;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
