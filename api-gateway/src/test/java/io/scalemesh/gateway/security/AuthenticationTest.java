package io.scalemesh.gateway.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.testing.DevStackResource;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class AuthenticationTest {

    static Stream<Arguments> badTokens() {
        JwtKeys trusted = JwtKeys.of(TestStack.shared().settings());
        return Stream.of(
                Arguments.of("expired", Tokens.signedWith(trusted).issuedAt(Instant.now().minus(Duration.ofHours(2)))
                        .lifetime(Duration.ofHours(1)).sign()),
                Arguments.of("signed by another key", Tokens.signedWith(JwtKeys.untrusted()).sign()),
                Arguments.of("alg none", Tokens.signedWith(trusted).algorithm("none").sign()),
                Arguments.of("wrong issuer", Tokens.signedWith(trusted).issuer("https://evil.example/issuer").sign()),
                Arguments.of("not a JWT", "not-a-jwt"),
                Arguments.of("for another audience", Tokens.signedWith(trusted).audience("some-other-api").sign()),
                Arguments.of("upn not its sub", Tokens.signedWith(trusted).subject("alice").upn("bob").sign()),
                // Valid signature and exp, but issued longer ago than the maximum age (12 h).
                Arguments.of("too old", Tokens.signedWith(trusted).issuedAt(Instant.now().minus(Duration.ofHours(13)))
                        .lifetime(Duration.ofHours(14)).sign()),
                // Past its exp by more than the 10 s of clock skew allowed.
                Arguments.of("expired 20 s ago", Tokens.signedWith(trusted).issuedAt(Instant.now().minus(Duration.ofMinutes(1)))
                        .lifetime(Duration.ofSeconds(40)).sign()),
                Arguments.of("an internal identity token", Tokens.internal(TestStack.shared().settings()).sign()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void aBadTokenIs401ProblemOnEveryRoute(String name, String token) {
        for (String path : new String[] { "/api/v1/actions", "/api/v1/notifications", "/api/v1/billing/invoice?period=2026-11" }) {
            var request = given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"type\":\"view\"}");
            var response = path.equals("/api/v1/actions") ? request.post(path) : request.get(path);
            response.then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", containsString("Bearer"))
                    .body("type", equalTo("https://scalemesh.dev/problems/unauthorized"));
        }
    }

    @Test
    void noTokenIs401Problem() {
        given().contentType(ContentType.JSON).body("{\"type\":\"view\"}").post("/api/v1/actions")
                .then().statusCode(401).contentType("application/problem+json").header("WWW-Authenticate", containsString("Bearer"));
        given().get("/api/v1/notifications").then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void analyticsNeedsTheAdminRole() {
        given().auth().oauth2(Tokens.forTests("alice", false)).get("/api/v1/analytics/summary")
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void aTokenJustPastItsExpWithinTheClockSkewPasses() {
        String token = Tokens.signedWith(JwtKeys.of(TestStack.shared().settings())).subject("skewed")
                .issuedAt(Instant.now().minus(Duration.ofSeconds(62))).lifetime(Duration.ofSeconds(60)).sign();
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"type\":\"view\"}")
                .post("/api/v1/actions").then().statusCode(202);
    }

    @Test
    void aValidTokenPasses() {
        given().auth().oauth2(Tokens.forTests("alice", false)).contentType(ContentType.JSON).body("{\"type\":\"view\"}")
                .post("/api/v1/actions").then().statusCode(202);
    }
}
