package io.scalemesh.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

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
 * Profiles with two profile-service instances behind the gateway: the API through the gateway,
 * and a write on one instance reaching what the other instance caches, through profile.changed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProfileMeshIT {

    private final DevStack stack = TestStack.shared();
    // Each instance's own cache tier keeps entries for two minutes here: only the event can clear it sooner.
    private final ServiceInstances services = new ServiceInstances(stack).withEnvironment(Map.of(
            "MESH_PROFILE_CACHE_LOCAL_TTL", "120s"));
    private String gateway;

    @BeforeAll
    void startTheMesh() {
        services.up(Map.of(MeshService.API_GATEWAY, 1, MeshService.PROFILE, 2), line -> System.out.println("[mesh] " + line));
        gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
    }

    @AfterAll
    void stopTheMesh() {
        services.down(line -> System.out.println("[mesh] " + line));
    }

    @Test
    void theProfileApiThroughTheGateway() {
        String user = "profile-it-" + UUID.randomUUID();
        String body = "{\"displayName\": \"Margaret\", \"email\": \"m@example.org\", \"preferences\": {\"units\": \"metric\"}}";
        Response created = withToken(user).body(body).put(gateway + "/api/v1/profiles/" + user);
        created.then().statusCode(201).header("ETag", equalTo("\"1\""));
        String token = created.header("X-Consistency-Token");
        withToken(user).header("X-Consistency-Token", token).get(gateway + "/api/v1/profiles/" + user).then().statusCode(200)
                .body("displayName", equalTo("Margaret")).body("preferences.units", equalTo("metric"));
        withToken(user).header("X-Consistency-Token", token).header("If-None-Match", "\"1\"")
                .get(gateway + "/api/v1/profiles/" + user).then().statusCode(304);
        withToken(user).header("If-Match", "\"9\"").contentType("application/merge-patch+json").body("{\"bio\": \"x\"}")
                .patch(gateway + "/api/v1/profiles/" + user).then().statusCode(412).contentType("application/problem+json");
        withToken(user).contentType("application/merge-patch+json").body("{\"bio\": \"Computer scientist\"}")
                .patch(gateway + "/api/v1/profiles/" + user).then().statusCode(200).header("ETag", equalTo("\"2\""));

        withToken("someone-else").get(gateway + "/api/v1/profiles/" + user).then().statusCode(403).contentType("application/problem+json");
        given().get(gateway + "/api/v1/profiles/" + user).then().statusCode(401);
        given().header("Authorization", "Bearer " + Tokens.forTests("ops", true)).header("X-Consistency-Token", token)
                .get(gateway + "/api/v1/profiles/" + user).then().statusCode(200);
        withToken(user).body("{\"displayName\": \"M\", \"email\": \"nope\"}").put(gateway + "/api/v1/profiles/" + user)
                .then().statusCode(400).body("errors[0].field", equalTo("email"));
    }

    @Test
    void aWriteOnOneInstanceReachesWhatTheOtherCaches() {
        String user = "profile-it-" + UUID.randomUUID();
        String a = "http://127.0.0.1:" + services.instance(MeshService.PROFILE, 0).port();
        String b = "http://127.0.0.1:" + services.instance(MeshService.PROFILE, 1).port();
        asUser(user).body("{\"displayName\": \"First\", \"email\": \"f@example.org\"}").put(a + "/api/v1/profiles/" + user)
                .then().statusCode(201);
        // Instance b reads it (from a replica once it has it) and keeps it in its own tier.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() ->
                asUser(user).get(b + "/api/v1/profiles/" + user).statusCode() == 200);
        asUser(user).get(b + "/api/v1/profiles/" + user).then().body("displayName", equalTo("First"));
        double before = invalidationsByEvent(b);

        asUser(user).body("{\"displayName\": \"Second\", \"email\": \"f@example.org\"}").put(a + "/api/v1/profiles/" + user)
                .then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                asUser(user).get(b + "/api/v1/profiles/" + user).then().statusCode(200).body("displayName", equalTo("Second")));
        assertTrue(invalidationsByEvent(b) > before, () -> "instance b dropped its copy on the event; its metrics: "
                + given().get(ServiceInstances.managementOf(b) + "/q/metrics").asString().lines().filter(l -> l.contains("scalemesh_cache")).toList());
    }

    private static double invalidationsByEvent(String instance) {
        String metrics = given().get(ServiceInstances.managementOf(instance) + "/q/metrics").asString();
        // The sample's value follows the labels; an exemplar ("# {trace_id=...} 1.0 <time>") may follow it.
        java.util.regex.Pattern sample = java.util.regex.Pattern.compile(
                "^scalemesh_cache_invalidations_total\\{[^}]*source=\"event\"[^}]*\\} (\\S+).*");
        return metrics.lines().map(sample::matcher).filter(java.util.regex.Matcher::matches)
                .mapToDouble(m -> Double.parseDouble(m.group(1))).sum();
    }

    private static RequestSpecification withToken(String user) {
        return given().header("Authorization", "Bearer " + Tokens.forTests(user, false)).contentType(ContentType.JSON);
    }

    /** Straight to an instance, as the gateway forwards a caller. */
    private static RequestSpecification asUser(String user) {
        return given().header("Authorization", Tokens.internalForTests(user, false)).contentType(ContentType.JSON);
    }
}
