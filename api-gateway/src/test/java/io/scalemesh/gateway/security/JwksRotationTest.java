package io.scalemesh.gateway.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.testing.DevStackResource;

/**
 * Keys from a JWKS URL, as an OIDC provider publishes them: when the provider rotates to a new key,
 * the gateway accepts tokens with the new {@code kid} at once, with no restart, and refuses the
 * retired key's tokens. The provider is a real HTTP server whose JWKS the test replaces.
 */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
@TestProfile(JwksRotationTest.JwksUrlProfile.class)
class JwksRotationTest {

    // Shared through files and a system property: Quarkus may load the profile and the test class
    // in different class loaders, each with statics of its own.
    static final Path DIR = Path.of("target/jwks-rotation");
    static final String URL_PROPERTY = "scalemesh.test.jwks-url";

    public static class JwksUrlProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mesh.jwt.public-key-location", startProvider());
        }
    }

    /** The provider: publishes DIR/jwks.json as it is at each fetch, and notes each fetch in DIR/fetches. */
    static String startProvider() {
        synchronized (System.getProperties()) {
            String url = System.getProperty(URL_PROPERTY);
            if (url != null) {
                return url;
            }
            try {
                Files.createDirectories(DIR);
                for (String name : List.of("first", "second")) {
                    Files.writeString(DIR.resolve(name + ".pem"), JwtKeys.pem("PRIVATE KEY", JwtKeys.untrusted().privateKey().getEncoded()));
                }
                publish("first");
                Files.writeString(DIR.resolve("fetches"), "");
                HttpServer provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                provider.createContext("/jwks", exchange -> {
                    Files.writeString(DIR.resolve("fetches"), System.currentTimeMillis() + "\n", StandardOpenOption.APPEND);
                    byte[] body = Files.readAllBytes(DIR.resolve("jwks.json"));
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                    exchange.close();
                });
                provider.start();
                url = "http://127.0.0.1:" + provider.getAddress().getPort() + "/jwks";
                System.setProperty(URL_PROPERTY, url);
                return url;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static JwtKeys key(String name) {
        return JwtKeys.signingWith(DIR.resolve(name + ".pem"));
    }

    /** The provider publishes this key alone from now on. */
    static void publish(String name) throws IOException {
        Files.writeString(DIR.resolve("jwks.json"), JwtKeys.jwks(List.of(key(name).jwk(name))));
    }

    static int fetches() throws IOException {
        return Files.readAllLines(DIR.resolve("fetches")).size();
    }

    /**
     * jose4j refetches a JWKS at most once per 300 ms (its refresh reprieve threshold), so a kid
     * that appears sooner after a fetch is not looked for; a provider rotates less often than that.
     */
    static void waitOutTheRefreshReprieve() throws IOException, InterruptedException {
        List<String> fetches = Files.readAllLines(DIR.resolve("fetches"));
        long since = System.currentTimeMillis() - Long.parseLong(fetches.get(fetches.size() - 1));
        Thread.sleep(Math.max(0, 400 - since));
    }

    @Test
    void aRotatedKeyIsPickedUpWithoutARestartAndTheRetiredOneRefused() throws IOException, InterruptedException {
        post(Tokens.signedWith(key("first")).keyId("first").subject("before-rotation").sign(), 202);
        int fetchesBefore = fetches();

        publish("second");
        waitOutTheRefreshReprieve();
        post(Tokens.signedWith(key("second")).keyId("second").subject("after-rotation").sign(), 202);
        assertEquals(fetchesBefore + 1, fetches(), "the unknown kid made the gateway fetch the JWKS once more");

        post(Tokens.signedWith(key("first")).keyId("first").subject("retired-key").sign(), 401);
        // A forger's made-up kids do not make the gateway hammer the provider: one forced refresh per interval.
        for (int i = 0; i < 5; i++) {
            post(Tokens.signedWith(JwtKeys.untrusted()).keyId("forged-" + i).sign(), 401);
        }
        assertEquals(fetchesBefore + 1, fetches(), "unknown kids within the forced-refresh interval fetch nothing");
    }

    private static void post(String token, int status) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"type\":\"view\"}").post("/api/v1/actions")
                .then().statusCode(status);
    }
}
