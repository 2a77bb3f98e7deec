package io.scalemesh.testing;

import static io.restassured.RestAssured.given;
import static io.scalemesh.testing.Management.management;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.scalemesh.devstack.Component;
import io.scalemesh.devstack.TestStack;

/**
 * What every service promises operators: liveness, a readiness that checks exactly the service's
 * own dependencies (and goes DOWN, not liveness, when one is out), Prometheus metrics and OpenAPI,
 * all on the management port and none on the API port.
 * A service's {@code HealthTest} extends this and names its dependencies.
 */
public abstract class ServiceContract {

    /** Devstack component → the Quarkus readiness check that watches it. */
    private static final Map<String, String> CHECKS = Map.of(
            "kafka", "Kafka broker",
            "redis", "Redis connection health check",
            "postgres-0", "Reactive PostgreSQL connections health check");
    /** SmallRye Messaging adds its own check of the service's channels. */
    private static final String MESSAGING_CHECK = "SmallRye Reactive Messaging - readiness check";

    /** The devstack components this service uses: any of kafka, redis, postgres-0, postgres-1. */
    protected abstract List<String> dependencies();

    /** The readiness check that watches a dependency; a service with its own check overrides this. */
    protected String checkFor(String dependency) {
        return CHECKS.get(dependency);
    }

    /** Checks that report but stay UP through an outage (a cache the service degrades around). */
    protected List<String> informationalChecks() {
        return List.of();
    }

    @Test
    void livenessIsUp() {
        management().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void readinessChecksExactlyItsDependencies() {
        management().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", containsInAnyOrder(expectedChecks().toArray()));
    }

    @Test
    void metricsAreExposedForPrometheus() {
        management().get("/q/metrics").then().statusCode(200)
                .body(containsString("# TYPE jvm_memory_used_bytes gauge"))
                .body(containsString("process_uptime_seconds"));
    }

    @Test
    void healthMetricsAndOpenApiAreNotOnTheApiPort() {
        for (String path : List.of("/q/health/ready", "/q/health/live", "/q/metrics", "/q/openapi")) {
            given().get(path).then().statusCode(404);
        }
    }

    @Test
    void openApiIsPublished() {
        management().get("/q/openapi?format=json").then().statusCode(200).body("openapi", containsString("3."));
    }

    @Test
    void anOutageOfADependencyTurnsReadinessDownButNotLiveness() {
        for (String dependency : dependencies()) {
            Component component = TestStack.shared().component(dependency);
            String check = checkFor(dependency);
            component.stop();
            try {
                awaitReadiness(503, "checks.findAll { it.status == 'DOWN' }.name", hasItem(check));
                management().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
            } finally {
                TestStack.ensureRunning(dependency);
            }
            awaitReadiness(200, "checks.findAll { it.status == 'DOWN' }.name", not(hasItem(check)));
        }
    }

    private List<String> expectedChecks() {
        List<String> checks = new java.util.ArrayList<>(dependencies().stream().map(this::checkFor).distinct().toList());
        if (dependencies().contains("kafka")) {
            checks.add(MESSAGING_CHECK);
        }
        checks.addAll(informationalChecks());
        return checks;
    }

    private static void awaitReadiness(int status, String path, org.hamcrest.Matcher<?> matcher) {
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                management().get("/q/health/ready").then().statusCode(status).body(path, matcher));
    }
}
