package io.scalemesh.profile;

import static io.restassured.RestAssured.given;

import java.util.UUID;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.Tokens;

/** The profile API as the gateway calls it: identity headers and JSON bodies. */
public final class Profiles {

    private Profiles() {
    }

    public static String newUser() {
        return "p-" + UUID.randomUUID();
    }

    public static RequestSpecification as(String user) {
        return given().header("Authorization", Tokens.internalForTests(user, false)).contentType(ContentType.JSON);
    }

    public static RequestSpecification asAdmin() {
        return given().header("Authorization", Tokens.internalForTests("root", true)).contentType(ContentType.JSON);
    }

    public static String body(String displayName) {
        return "{\"displayName\": \"" + displayName + "\", \"email\": \"someone@example.org\", \"bio\": \"hi\","
                + " \"avatarUrl\": \"https://img.example.org/a.png\", \"preferences\": {\"theme\": \"dark\", \"lang\": \"en\"}}";
    }

    /** Creates or replaces the user's profile and answers the response (after asserting success). */
    public static Response put(String user, String displayName) {
        Response response = as(user).body(body(displayName)).put("/api/v1/profiles/" + user);
        if (response.statusCode() != 200 && response.statusCode() != 201) {
            throw new AssertionError("PUT answered " + response.statusCode() + ": " + response.asString());
        }
        return response;
    }

    /** Reads the user's profile as of a write: with its consistency token, a lagging replica never answers. */
    public static Response readAfter(String user, Response write, String... headers) {
        RequestSpecification request = as(user).header("X-Consistency-Token", write.header("X-Consistency-Token"));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request = request.header(headers[i], headers[i + 1]);
        }
        return request.get(path(user));
    }

    public static String path(String user) {
        return "/api/v1/profiles/" + user;
    }
}
