package io.scalemesh.gateway.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.testing.DevStackResource;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class SecurityHeadersTest {

    @Test
    void everyAnswerCarriesTheSecurityHeaders() {
        hardened(given().contentType("application/json").body("{\"type\":\"view\"}").post("/api/v1/actions").then().statusCode(401));
        hardened(given().auth().oauth2(Tokens.forTests("headers", false)).contentType("application/json").body("{\"type\":\"view\"}")
                .post("/api/v1/actions").then().statusCode(202));
        // A proxied route whose backend is not running here: the gateway's own 503 problem.
        hardened(given().auth().oauth2(Tokens.forTests("headers", false)).get("/api/v1/profiles/headers").then().statusCode(503)
                .contentType("application/problem+json"));
        given().post("/api/v1/actions").then().header("Strict-Transport-Security", nullValue());
    }

    @Test
    void hstsWhenTheClientCameOverHttps() {
        given().header("X-Forwarded-Proto", "https").post("/api/v1/actions").then()
                .header("Strict-Transport-Security", equalTo("max-age=31536000; includeSubDomains"));
    }

    private static void hardened(ValidatableResponse response) {
        response.header("X-Content-Type-Options", equalTo("nosniff")).header("X-Frame-Options", equalTo("DENY"))
                .header("Referrer-Policy", equalTo("no-referrer"))
                .header("Content-Security-Policy", equalTo("default-src 'none'; frame-ancestors 'none'"));
    }
}
