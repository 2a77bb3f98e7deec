package io.scalemesh.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.IdentityKeys;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;

/**
 * The OWASP API Security Top 10 walked through on real processes (the gateway and every backend):
 * broken object-level authorization on each id-bearing route, broken authentication (forged
 * identity straight at each backend, in every shape), mass assignment, and what the mesh must
 * never give away (tokens in logs or error bodies). Each case has its positive twin, so a refusal
 * means the check, not a broken route.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityIT {

    private final DevStack stack = TestStack.shared();
    private final StackSettings settings = stack.settings();
    private final ServiceInstances services = new ServiceInstances(stack);
    private final List<String> tokensUsed = new ArrayList<>();
    /** Each backend's route that needs a caller, read as an admin (every backend answers 200). */
    private final Map<MeshService, String> adminReads = new LinkedHashMap<>();
    private String gateway;

    @BeforeAll
    void startTheMesh() {
        Map<MeshService, Integer> one = new java.util.EnumMap<>(MeshService.class);
        for (MeshService service : MeshService.values()) {
            one.put(service, 1);
        }
        services.up(one, line -> System.out.println("[mesh] " + line));
        gateway = url(MeshService.API_GATEWAY);
        adminReads.put(MeshService.PROFILE, "/api/v1/profiles/sec-admin");
        adminReads.put(MeshService.TASK, "/api/v1/tasks");
        adminReads.put(MeshService.NOTIFICATION, "/api/v1/notifications");
        adminReads.put(MeshService.BILLING, "/api/v1/billing/invoice");
        adminReads.put(MeshService.ANALYTICS, "/api/v1/analytics/summary");
    }

    @AfterAll
    void stopTheMesh() {
        services.down(line -> System.out.println("[mesh] " + line));
    }

    // API2 Broken authentication: around the gateway, nothing but its signed token is an identity.

    @Test
    void everyBackendRefusesEveryForgedIdentityAndTakesTheGatewaysToken() {
        Tokens.internal(settings).subject("sec-admin").admin(true).sign(); // makes the keys before the forgeries
        Map<String, Optional<String>> forgeries = new LinkedHashMap<>();
        forgeries.put("bare identity headers", Optional.empty());
        forgeries.put("a client's token, valid at the gateway", Optional.of(Tokens.signedWith(JwtKeys.of(settings)).subject("sec-admin")
                .admin(true).sign()));
        forgeries.put("signed by a key nobody trusts", Optional.of(Tokens.signedWith(JwtKeys.untrusted()).keyId(IdentityKeys.GATEWAY)
                .issuer(Tokens.INTERNAL_ISSUER).audience(Tokens.INTERNAL_AUDIENCE).upn(null).subject("sec-admin").admin(true).sign()));
        forgeries.put("expired", Optional.of(internalAdmin().issuedAt(Instant.now().minusSeconds(120)).lifetime(Duration.ofSeconds(60))
                .sign()));
        forgeries.put("older than 60 s, exp far away", Optional.of(internalAdmin().issuedAt(Instant.now().minusSeconds(120))
                .lifetime(Duration.ofHours(1)).sign()));
        forgeries.put("for another audience", Optional.of(internalAdmin().audience(Tokens.AUDIENCE).sign()));
        forgeries.put("upn not its sub", Optional.of(internalAdmin().upn("someone-else").sign()));
        forgeries.put("alg none", Optional.of(internalAdmin().algorithm("none").sign()));
        for (Map.Entry<MeshService, String> read : adminReads.entrySet()) {
            String backend = url(read.getKey());
            for (Map.Entry<String, Optional<String>> forgery : forgeries.entrySet()) {
                RequestSpecification request = given().header("X-Mesh-User", "sec-admin").header("X-Mesh-Roles", "admin");
                forgery.getValue().ifPresent(token -> request.header("Authorization", "Bearer " + remember(token)));
                Response answer = request.get(backend + read.getValue());
                assertEquals(401, answer.statusCode(), read.getKey().id() + " took " + forgery.getKey() + ": " + answer.asString());
                assertEquals("application/problem+json", answer.contentType().split(";")[0], read.getKey().id() + ", " + forgery.getKey());
            }
            String real = remember(internalAdmin().sign());
            Response answer = given().header("Authorization", "Bearer " + real).get(backend + read.getValue());
            // The profile may not exist (404): either way the caller was accepted.
            assertTrue(answer.statusCode() == 200 || answer.statusCode() == 404,
                    read.getKey().id() + " refused the gateway's own token: " + answer.statusCode() + " " + answer.asString());
        }
    }

    @Test
    void taskServicesKeyIsTrustedByAnalyticsAlone() {
        String user = "sec-report-" + UUID.randomUUID();
        String byTasks = remember(Tokens.signedWith(IdentityKeys.signer(settings, IdentityKeys.TASKS)).keyId(IdentityKeys.TASKS)
                .issuer(Tokens.INTERNAL_ISSUER).audience(Tokens.INTERNAL_AUDIENCE).upn(null).subject(user)
                .lifetime(Duration.ofSeconds(60)).sign());
        given().auth().oauth2(byTasks).get(url(MeshService.ANALYTICS) + "/api/v1/analytics/users/" + user).then().statusCode(200);
        given().auth().oauth2(byTasks).get(url(MeshService.PROFILE) + "/api/v1/profiles/" + user).then().statusCode(401);
        given().auth().oauth2(byTasks).get(url(MeshService.BILLING) + "/api/v1/billing/invoice").then().statusCode(401);
    }

    @Test
    void theServicesListenOnLoopbackOnly() throws IOException {
        Optional<InetAddress> outside = nonLoopbackAddress();
        Assumptions.assumeTrue(outside.isPresent(), "this machine has no address but loopback");
        for (MeshService service : MeshService.values()) {
            int port = services.instance(service, 0).port();
            assertThrows(ConnectException.class, () -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(outside.get(), port), 2000);
                }
            }, service.id() + " answers on " + outside.get().getHostAddress() + ":" + port);
        }
    }

    // API1 Broken object-level authorization: every id-bearing route, as another user.

    @Test
    void noUserReachesAnotherUsersObjects() {
        String alice = "sec-alice-" + UUID.randomUUID();
        String bob = "sec-bob-" + UUID.randomUUID();
        as(bob).contentType(ContentType.JSON).body("{\"displayName\": \"Bob\", \"email\": \"bob@example.org\"}")
                .put(gateway + "/api/v1/profiles/" + bob).then().statusCode(201);
        String task = as(bob).contentType(ContentType.JSON).body("{\"type\": \"sum\", \"input\": {\"numbers\": [1, 2]}}")
                .post(gateway + "/api/v1/tasks").then().statusCode(202).extract().path("id");

        as(alice).get(gateway + "/api/v1/profiles/" + bob).then().statusCode(403);
        as(alice).contentType(ContentType.JSON).body("{\"displayName\": \"Mallory\", \"email\": \"m@example.org\"}")
                .put(gateway + "/api/v1/profiles/" + bob).then().statusCode(403);
        as(alice).contentType("application/merge-patch+json").body("{\"bio\": \"owned\"}")
                .patch(gateway + "/api/v1/profiles/" + bob).then().statusCode(403);
        as(alice).delete(gateway + "/api/v1/profiles/" + bob).then().statusCode(403);
        as(alice).get(gateway + "/api/v1/tasks/" + task).then().statusCode(403);
        as(alice).delete(gateway + "/api/v1/tasks/" + task).then().statusCode(403);
        as(alice).get(gateway + "/api/v1/tasks?userId=" + bob).then().statusCode(403);
        as(alice).get(gateway + "/api/v1/billing/invoice?userId=" + bob).then().statusCode(403);
        as(alice).get(gateway + "/api/v1/analytics/users/" + bob).then().statusCode(403);

        // The twins: bob reaches his own, an admin anyone's.
        as(bob).get(gateway + "/api/v1/profiles/" + bob).then().statusCode(200).body("displayName", equalTo("Bob"));
        as(bob).get(gateway + "/api/v1/tasks/" + task).then().statusCode(200);
        asAdmin().get(gateway + "/api/v1/profiles/" + bob).then().statusCode(200);
        asAdmin().get(gateway + "/api/v1/billing/invoice?userId=" + bob).then().statusCode(200);
    }

    // API3 Broken object property level authorization: what the server owns is not the client's to set.

    @Test
    void aClientCannotSetWhatTheServerOwns() {
        String carol = "sec-carol-" + UUID.randomUUID();
        as(carol).contentType(ContentType.JSON).body("{\"displayName\": \"Carol\", \"email\": \"c@example.org\", \"userId\": \"root\","
                + " \"version\": 99}").put(gateway + "/api/v1/profiles/" + carol).then().statusCode(400);
        as(carol).contentType(ContentType.JSON).body("{\"type\": \"sum\", \"input\": {\"numbers\": [1]}, \"owner\": \"root\","
                + " \"status\": \"SUCCEEDED\"}").post(gateway + "/api/v1/tasks").then().statusCode(400);
        as(carol).contentType(ContentType.JSON).body("{\"type\": \"purchase\", \"userId\": \"root\"}")
                .post(gateway + "/api/v1/actions").then().statusCode(400);
    }

    // API8 Security misconfiguration / information exposure: tokens never leave where they belong.

    @Test
    @Order(Integer.MAX_VALUE) // last: the logs then hold every other test's requests too
    void noTokenAppearsInAnyLogOrErrorBody() throws IOException {
        String secret = remember(Tokens.forTests("sec-dave", false));
        Response refused = given().auth().oauth2(secret + "x").get(gateway + "/api/v1/notifications");
        assertEquals(401, refused.statusCode());
        assertFalse(refused.asString().contains(secret), "the error body repeats the token");
        given().auth().oauth2(secret).get(gateway + "/api/v1/notifications").then().statusCode(200);
        for (ServiceInstances.Instance instance : services.known()) {
            String log = Files.readString(instance.log());
            for (String token : tokensUsed) {
                // A JWT's signature is what makes it a credential; its claims alone are not.
                String signature = token.substring(token.lastIndexOf('.') + 1);
                assertFalse(!signature.isEmpty() && log.contains(signature), instance.name() + "'s log holds a token");
            }
        }
    }

    private Tokens internalAdmin() {
        return Tokens.internal(settings).subject("sec-admin").admin(true);
    }

    private String remember(String token) {
        tokensUsed.add(token);
        return token;
    }

    private RequestSpecification as(String user) {
        return given().auth().oauth2(remember(Tokens.forTests(user, false)));
    }

    private RequestSpecification asAdmin() {
        return given().auth().oauth2(remember(Tokens.forTests("sec-admin", true)));
    }

    private String url(MeshService service) {
        return "http://127.0.0.1:" + services.instance(service, 0).port();
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : java.util.Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
