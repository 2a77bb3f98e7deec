package io.scalemesh.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;

/**
 * The gateway's edge with real processes: two gateway instances and two profile-service instances.
 * A rate limit is one bucket for both gateways (it lives in Redis); a profile-service instance
 * killed costs no request (a refused connection moves on to the other instance) and, back, gets
 * traffic again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayEdgeIT {

    private static final int CAPACITY = 10;
    private static final Pattern GETS = Pattern.compile(
            "^http_server_requests_seconds_count\\{[^}]*method=\"GET\"[^}]*uri=\"/api/v1/profiles/\\{userId}\"[^}]*} (\\S+)", Pattern.MULTILINE);

    private final DevStack stack = TestStack.shared();
    private final ServiceInstances services = new ServiceInstances(stack).withEnvironment(Map.of(
            // A small bucket refilled slowly: the test can count to it before a refill.
            "MESH_GATEWAY_RATE_LIMIT_DEFAULTS_CAPACITY", Integer.toString(CAPACITY),
            "MESH_GATEWAY_RATE_LIMIT_DEFAULTS_REFILL_PER_SECOND", "0.05",
            "MESH_GATEWAY_BALANCER_OPEN_FOR", "2s"));
    private String gatewayA;
    private String gatewayB;

    @BeforeAll
    void startTheMesh() {
        services.up(Map.of(MeshService.API_GATEWAY, 2, MeshService.PROFILE, 2), line -> System.out.println("[mesh] " + line));
        gatewayA = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
        gatewayB = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 1).port();
    }

    @AfterAll
    void stopTheMesh() {
        services.down(line -> System.out.println("[mesh] " + line));
    }

    @Test
    void aRateLimitIsOneBucketAcrossBothGateways() {
        String user = "limited-" + UUID.randomUUID();
        for (int i = 0; i < CAPACITY; i++) {
            as(user).get((i % 2 == 0 ? gatewayA : gatewayB) + "/api/v1/notifications").then()
                    .header("RateLimit-Remaining", equalTo(Integer.toString(CAPACITY - 1 - i)));
        }
        for (String gateway : new String[] {gatewayA, gatewayB}) {
            as(user).get(gateway + "/api/v1/notifications").then().statusCode(429).contentType("application/problem+json")
                    .header("Retry-After", notNullValue()).header("RateLimit-Remaining", equalTo("0"));
        }
    }

    @Test
    void aKilledBackendInstanceCostsNoRequestAndGetsTrafficAgainWhenBack() {
        String user = "edge-" + UUID.randomUUID();
        Response created = as(user).body("{\"displayName\": \"Edge\", \"email\": \"e@example.org\"}").put(gatewayA + "/api/v1/profiles/" + user);
        created.then().statusCode(201);
        String token = created.header("X-Consistency-Token");
        ServiceInstances.Instance second = services.instance(MeshService.PROFILE, 1);
        String secondUrl = "http://127.0.0.1:" + second.port();
        double before = gets(secondUrl);
        for (int i = 0; i < 6; i++) {
            read(user, token, gatewayA).then().statusCode(200);
        }
        assertTrue(gets(secondUrl) >= before + 2, "both instances serve: the second took " + (gets(secondUrl) - before));

        services.kill(second);
        int failed = 0;
        for (int i = 0; i < 30; i++) {
            // GETs are safe: a refused or broken connection moves on to the other instance.
            Response answer = read(user, token, gatewayA);
            if (answer.statusCode() != 200) {
                failed++;
                System.out.println("[edge] a read during the outage answered " + answer.statusCode() + ": " + answer.asString());
            }
        }
        assertEquals(0, failed, "no read failed while an instance was dead");
        for (int i = 0; i < 5; i++) {
            as(user).contentType("application/merge-patch+json").body("{\"bio\": \"write " + i + "\"}")
                    .patch(gatewayA + "/api/v1/profiles/" + user).then().statusCode(200);
        }

        services.start(second, line -> System.out.println("[mesh] " + line));
        double back = gets(secondUrl);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            read(user, token, gatewayA).then().statusCode(200);
            return gets(secondUrl) > back;
        });
    }

    /** A read as a new admin each time: every caller has a bucket of its own, and this test is not about limits. */
    private Response read(String user, String token, String gateway) {
        return given().header("Authorization", "Bearer " + Tokens.forTests("ops-" + UUID.randomUUID(), true))
                .header("X-Consistency-Token", token).get(gateway + "/api/v1/profiles/" + user);
    }

    /** The instance's own count of profile GETs it served. */
    private static double gets(String instance) {
        Matcher m = GETS.matcher(given().get(ServiceInstances.managementOf(instance) + "/q/metrics").asString());
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }

    private static RequestSpecification as(String user) {
        return given().header("Authorization", "Bearer " + Tokens.forTests(user, false)).contentType(ContentType.JSON);
    }
}
