package io.scalemesh.testing;

import static io.restassured.RestAssured.given;

import org.eclipse.microprofile.config.ConfigProvider;

import io.restassured.specification.RequestSpecification;

/**
 * REST Assured aimed at the running test application's management interface (health, metrics,
 * OpenAPI), which listens on a port of its own: Quarkus sets quarkus.management.port to the
 * random port it took.
 */
public final class Management {

    private Management() {
    }

    public static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.management.port", Integer.class);
    }

    public static RequestSpecification management() {
        return given().baseUri("http://127.0.0.1").port(port());
    }
}
