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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
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
    /** Traces go to a real OTLP receiver, so the test can look for tokens in them too. */
    private final OtlpReceiver receiver = OtlpReceiver.start();
    private final ServiceInstances services = new ServiceInstances(stack).withEnvironment(receiver.exportEnvironment())
            // Buckets refill slowly here, so what a test takes from one stays taken while it looks.
            .withEnvironment(Map.of("MESH_GATEWAY_RATE_LIMIT_DEFAULTS_CAPACITY", "200",
                    "MESH_GATEWAY_RATE_LIMIT_DEFAULTS_REFILL_PER_SECOND", "1"));
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
        receiver.close();
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
    void aBackendVerifiesAnIdentityTokenOnceAndThenRemembersIt() {
        String token = remember(internalAdmin().sign());
        String billing = url(MeshService.BILLING);
        double before = tokenCacheHits(billing);
        for (int i = 0; i < 3; i++) {
            given().auth().oauth2(token).get(billing + "/api/v1/billing/invoice").then().statusCode(200);
        }
        assertTrue(tokenCacheHits(billing) >= before + 2, "the same token's later requests skipped the RS256 check");
    }

    private static double tokenCacheHits(String base) {
        java.util.regex.Matcher hits = java.util.regex.Pattern.compile(
                "^scalemesh_token_cache_total\\{[^}]*result=\"hit\"[^}]*} (\\S+)", java.util.regex.Pattern.MULTILINE)
                .matcher(given().get(ServiceInstances.managementOf(base) + "/q/metrics").asString());
        return hits.find() ? Double.parseDouble(hits.group(1)) : 0;
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
            ServiceInstances.Instance instance = services.instance(service, 0);
            for (int port : new int[] {instance.port(), instance.managementPort()}) {
                assertThrows(ConnectException.class, () -> {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(outside.get(), port), 2000);
                    }
                }, service.id() + " answers on " + outside.get().getHostAddress() + ":" + port);
            }
        }
    }

    @Test
    void everyServiceReachesPostgresOverVerifiedTlsOnly() throws SQLException {
        // A read through the profile store, so its replica pools have connections too.
        given().auth().oauth2(Tokens.forTests("sec-admin", true)).get(gateway + adminReads.get(MeshService.PROFILE));
        Map<String, Integer> tlsConnections = new java.util.TreeMap<>();
        for (int server = 0; server < settings.postgresServers(); server++) {
            for (int port : new int[] { settings.postgresPort(server), settings.postgresReplicaPort(server) }) {
                try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                        StackSettings.DB_USER, StackSettings.DB_PASSWORD)) {
                    ResultSet rows = connection.createStatement().executeQuery("SELECT a.application_name, s.ssl, count(*)"
                            + " FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
                            + " WHERE a.application_name LIKE '%-service' GROUP BY 1, 2");
                    while (rows.next()) {
                        String service = rows.getString(1) + " on " + port;
                        assertTrue(rows.getBoolean(2), rows.getInt(3) + " plain connection(s) from " + service);
                        tlsConnections.merge(service, rows.getInt(3), Integer::sum);
                    }
                }
            }
        }
        int primary = settings.postgresPort(0);
        for (String service : List.of("task-service", "notification-service", "billing-service", "profile-service")) {
            assertTrue(tlsConnections.containsKey(service + " on " + primary), service + " has TLS connections: " + tlsConnections);
        }
        assertTrue(tlsConnections.keySet().stream().anyMatch(key -> key.startsWith("profile-service on ")
                && !key.endsWith(" on " + primary)), "the shards' other servers and replicas too: " + tlsConnections);
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

    // API4 Unrestricted resource consumption: the rate limit holds whatever the request claims.

    @Test
    void theRateLimitCannotBeDodgedWithAForgedAddressOrAnEncodedRoute() throws Exception {
        // Unauthenticated, the bucket is the connection's address: a new X-Forwarded-For each time is no new bucket.
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        int refused = 0;
        for (int round = 0; round < 40 && refused == 0; round++) {
            List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<Void>>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) { // 50 at once
                answers.add(http.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway + "/api/v1/tasks"))
                        .header("X-Forwarded-For", "10.0." + round + "." + i).build(), java.net.http.HttpResponse.BodyHandlers.discarding()));
            }
            for (var answer : answers) {
                refused += answer.get().statusCode() == 429 ? 1 : 0;
            }
        }
        assertTrue(refused > 0, "2,000 unauthenticated requests, each from a 'new' address, were never limited");
        // The twin: the refusal is the address's bucket, not the gateway's; a user's own still serves.
        as("sec-rl-twin-" + UUID.randomUUID()).get(gateway + "/api/v1/tasks").then().statusCode(200);

        // Authenticated, %61 spells the same route: it draws from the caller's bucket of "actions".
        String user = "sec-rl-" + UUID.randomUUID();
        String token = remember(Tokens.forTests(user, false));
        String batch = "{\"actions\":[" + "{\"type\":\"view\"},".repeat(198) + "{\"type\":\"view\"}]}";
        given().auth().oauth2(token).contentType(ContentType.JSON).body(batch).post(gateway + "/api/v1/actions:batch")
                .then().statusCode(202); // 199 of the 200 tokens
        given().auth().oauth2(token).contentType(ContentType.JSON).body(batch).post(gateway + "/api/v1/actions:batch")
                .then().statusCode(429); // a batch is its actions' worth, not one request
        int accepted = 0;
        while (given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"type\":\"view\"}").urlEncodingEnabled(false)
                .post(gateway + "/api/v1/%61ctions").statusCode() == 202) {
            accepted++;
            assertTrue(accepted < 20, "/api/v1/%61ctions drew from a bucket of its own");
        }
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
    @Order(Integer.MAX_VALUE) // last: the logs, traces and caches then hold every other test's requests too
    void noTokenAppearsInAnyLogTraceCacheOrErrorBody() throws Exception {
        String secret = remember(Tokens.forTests("sec-dave", false));
        Response refused = given().auth().oauth2(secret + "x").get(gateway + "/api/v1/notifications");
        assertEquals(401, refused.statusCode());
        assertFalse(refused.asString().contains(secret), "the error body repeats the token");
        given().auth().oauth2(secret).get(gateway + "/api/v1/notifications").then().statusCode(200);
        // A JWT's signature is what makes it a credential; its claims alone are not.
        List<String> signatures = tokensUsed.stream().map(token -> token.substring(token.lastIndexOf('.') + 1))
                .filter(signature -> !signature.isEmpty()).distinct().toList();
        for (ServiceInstances.Instance instance : services.known()) {
            String log = Files.readString(instance.log());
            for (String signature : signatures) {
                assertFalse(log.contains(signature), instance.name() + "'s log holds a token");
            }
        }
        // Traces: the spans of everything above (exported every 0.1 s), each attribute looked at.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> receiver.spans().stream().anyMatch(span -> span.service().equals("profile-service")));
        for (OtlpReceiver.Span span : receiver.spans()) {
            String text = span.name() + " " + span.attributes();
            for (String signature : signatures) {
                assertFalse(text.contains(signature), span.service() + "'s span " + span.name() + " holds a token");
            }
        }
        // Caches and everything else in Redis (rate limits, idempotency answers, profiles, counters).
        assertEquals("", redisKeysHolding(signatures), "Redis keys holding a token");
    }

    /** The Redis keys whose name or value holds any of {@code needles}, comma-separated; one script run. */
    private String redisKeysHolding(List<String> needles) throws Exception {
        String script = String.join("\n",
                "local found = {}",
                "for _, key in ipairs(redis.call('KEYS', '*')) do",
                "  local kind = redis.call('TYPE', key).ok",
                "  local values = {key}",
                "  if kind == 'string' then values[2] = redis.call('GET', key)",
                "  elseif kind == 'hash' then for _, v in ipairs(redis.call('HGETALL', key)) do values[#values + 1] = v end",
                "  elseif kind == 'list' then for _, v in ipairs(redis.call('LRANGE', key, 0, -1)) do values[#values + 1] = v end",
                "  elseif kind == 'set' then for _, v in ipairs(redis.call('SMEMBERS', key)) do values[#values + 1] = v end",
                "  elseif kind == 'zset' then for _, v in ipairs(redis.call('ZRANGE', key, 0, -1)) do values[#values + 1] = v end end",
                "  for _, v in ipairs(values) do for i = 1, #ARGV do",
                "    if string.find(v, ARGV[i], 1, true) then found[#found + 1] = key end",
                "  end end",
                "end",
                "return table.concat(found, ',')");
        List<String> command = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(settings.redisPort()), "--user",
                StackSettings.REDIS_USER, "--pass", StackSettings.REDIS_PASSWORD, "--no-auth-warning", "EVAL", script, "0"));
        command.addAll(needles);
        Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(cli.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertEquals(0, cli.waitFor(), output);
        assertFalse(output.startsWith("ERR") || output.startsWith("(error)"), output);
        return output.replaceAll("^\"|\"$", "");
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
