package io.scalemesh.task;

import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.util.Set;

import org.awaitility.Awaitility;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.Tokens;

/** The task API as the gateway calls it: identity headers, JSON bodies, polling a task to an end. */
public final class Tasks {

    private Tasks() {
    }

    public static RequestSpecification as(String user) {
        return given().header("Authorization", Tokens.internalForTests(user, false)).contentType(ContentType.JSON);
    }

    public static RequestSpecification asAdmin() {
        return given().header("Authorization", Tokens.internalForTests("root", true)).contentType(ContentType.JSON);
    }

    /** Submits a task and answers its id (after asserting the 202). */
    public static String submit(String user, String body) {
        return as(user).body(body).post("/api/v1/tasks").then().statusCode(202).extract().path("id");
    }

    /** Polls the task until it reaches one of {@code statuses}; answers that last view. */
    public static Response awaitStatus(String user, String id, String... statuses) {
        Set<String> wanted = Set.of(statuses);
        Response[] last = new Response[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = as(user).get("/api/v1/tasks/" + id);
            return last[0].statusCode() == 200 && wanted.contains(last[0].path("status").toString());
        });
        return last[0];
    }
}
