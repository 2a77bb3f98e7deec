package io.scalemesh.gateway.lab;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.testing.DevStackResource;

/**
 * The lab's page and API on the gateway (lab on, not open, as in %test): an admin's token sees the
 * mesh's figures, anyone else a problem; the page is the bundled Vite build, with a policy that
 * lets it load its own script and nothing else.
 */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class LabResourceTest {

    @Test
    void figuresNeedAnAdmin() {
        given().get("/lab/api/figures").then().statusCode(401).contentType("application/problem+json");
        given().auth().oauth2(Tokens.forTests("lab-user", false)).get("/lab/api/figures").then().statusCode(403)
                .contentType("application/problem+json");
        given().auth().oauth2(Tokens.forTests("lab-user", false)).post("/lab/api/controls/spike").then().statusCode(403);
    }

    @Test
    void anAdminSeesEveryServiceAndKafkasConsumerGroups() {
        given().auth().oauth2(Tokens.forTests("lab-admin", true)).get("/lab/api/figures").then().statusCode(200)
                .body("services.service", hasItems("api-gateway", "profile-service", "task-service", "notification-service",
                        "analytics-service", "billing-service"))
                // The gateway scrapes its own management port, so it sees itself up.
                .body("services.find { it.service == 'api-gateway' }.instances[0].up", equalTo(true))
                .body("kafka.up", equalTo(true))
                .body("controls.name", hasItems("spike", "replay-duplicates"));
    }

    @Test
    void anUnknownControlIsAProblem() {
        given().auth().oauth2(Tokens.forTests("lab-admin", true)).post("/lab/api/controls/reboot-the-world").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("spike"));
    }

    @Test
    void thePageIsTheBundleUnderItsOwnPolicy() {
        given().redirects().follow(false).get("/lab").then().statusCode(302).header("Location", "/lab/");
        given().get("/lab/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("scalemesh pattern lab"))
                .header("Content-Security-Policy", containsString("script-src 'self'"));
        // Everything else still loads nothing.
        given().get("/lab/api/figures").then().header("Content-Security-Policy", equalTo("default-src 'none'; frame-ancestors 'none'"));
        given().get("/api/v1/actions").then().header("Content-Security-Policy", equalTo("default-src 'none'; frame-ancestors 'none'"));
    }
}
