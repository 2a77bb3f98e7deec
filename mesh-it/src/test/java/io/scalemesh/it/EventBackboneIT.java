package io.scalemesh.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.events.Topics;
import io.scalemesh.testing.KafkaProbe;

/**
 * The event backbone end to end: actions through the gateway, three independent consumer groups,
 * and every way Kafka redelivers — duplicates, a replay from offset 0, a consumer killed mid-stream
 * — never changing an effect. Each step ends with marker actions and then checks exact totals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventBackboneIT {

    private static final int USERS = 10;
    private static final int PRICE_OF_PURCHASE = 99;
    private static final Duration SETTLE = Duration.ofSeconds(120);

    private final DevStack stack = TestStack.shared();
    private final ServiceInstances services = new ServiceInstances(stack);
    private final List<String> users = IntStream.range(0, USERS).mapToObj(i -> "it-" + UUID.randomUUID() + "-" + i).toList();
    private final Map<String, Integer> purchases = new HashMap<>();
    private final List<ConsumerRecord<String, String>> published = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private String gateway;

    @BeforeAll
    void startTheMesh() {
        services.up(Map.of(MeshService.API_GATEWAY, 1, MeshService.NOTIFICATION, 1, MeshService.ANALYTICS, 1,
                MeshService.BILLING, 1), line -> System.out.println("[mesh] " + line));
        gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
        users.forEach(u -> purchases.put(u, 0));
    }

    @AfterAll
    void stopTheMesh() {
        services.down(line -> System.out.println("[mesh] " + line));
    }

    @Test
    @Order(1)
    void aThousandActionsHaveEachEffectExactlyOnceAndInOrder() throws Exception {
        try (KafkaProbe probe = KafkaProbe.on(Topics.USER_ACTIONS)) {
            // Per user: 50 single requests in order, then one batch of 50; users in parallel.
            perUser(user -> {
                for (int seq = 0; seq < 50; seq++) {
                    post(user, "/api/v1/actions", purchase(seq));
                }
                post(user, "/api/v1/actions:batch", "{\"actions\":[" + IntStream.range(50, 100).mapToObj(this::purchase)
                        .collect(Collectors.joining(",")) + "]}");
            }).awaitAll();
            users.forEach(u -> purchases.merge(u, 100, Integer::sum));
            int[] ours = {0};
            published.addAll(probe.readUntil(r -> purchases.containsKey(r.key()) && ++ours[0] == 1000, Duration.ofSeconds(60)).stream()
                    .filter(r -> purchases.containsKey(r.key())).toList());
        }
        assertEquals(1000, published.size(), "the topic holds each accepted action once");
        awaitEffects();
        // Per-user order: notifications are numbered as they are made; newest first means sku 99 → 0.
        for (String user : users) {
            List<String> skus = notifications(user).stream().map(m -> m.replaceAll("\\D+", "")).toList();
            assertEquals(IntStream.iterate(99, i -> i >= 0, i -> i - 1).mapToObj(Integer::toString).toList(), skus,
                    "notifications of " + user + " follow the order of the actions");
        }
    }

    @Test
    @Order(1)
    void anotherUsersDataIsForbiddenThroughTheGateway() {
        as(users.get(0)).get(gateway + "/api/v1/billing/invoice?userId=" + users.get(1)).then().statusCode(403)
                .contentType("application/problem+json");
        asAdmin().get(gateway + "/api/v1/billing/invoice?userId=" + users.get(1)).then().statusCode(200);
        as(users.get(0)).get(gateway + "/api/v1/analytics/summary").then().statusCode(403);
        // Forged identity headers count for nothing at the gateway, nor does an internal identity token.
        given().header("X-Mesh-User", users.get(1)).header("X-Mesh-Roles", "admin")
                .get(gateway + "/api/v1/billing/invoice").then().statusCode(401);
        given().header("Authorization", Tokens.internalForTests(users.get(1), true))
                .get(gateway + "/api/v1/billing/invoice").then().statusCode(401);
    }

    @Test
    @Order(2)
    void publishingTheSameEventsAgainChangesNothing() {
        assertEquals(1000, published.size(), "the first step captured what it published");
        for (ConsumerRecord<String, String> record : published) {
            KafkaProbe.send(Topics.USER_ACTIONS, record.key(), record.value());
        }
        sendMarkers();
        awaitEffects();
    }

    @Test
    @Order(3)
    void replayingTheTopicFromOffsetZeroChangesNothing() throws Exception {
        List<ServiceInstances.Instance> consumers = List.of(services.instance(MeshService.BILLING, 0),
                services.instance(MeshService.NOTIFICATION, 0), services.instance(MeshService.ANALYTICS, 0));
        consumers.forEach(services::stop);
        rewindToTheBeginning(List.of("billing-service", "notification-service", "analytics-service"));
        consumers.forEach(c -> services.start(c, line -> System.out.println("[mesh] " + line)));
        sendMarkers();
        awaitEffects();
    }

    @Test
    @Order(4)
    void consumersKilledMidStreamLoseNothingAndDoubleNothing() throws Exception {
        ServiceInstances.Instance billing = services.instance(MeshService.BILLING, 0);
        ServiceInstances.Instance analytics = services.instance(MeshService.ANALYTICS, 0);
        Senders sending = perUser(user -> {
            for (int seq = 0; seq < 30; seq++) {
                post(user, "/api/v1/actions", purchase(seq));
            }
        });
        Thread.sleep(300); // let the stream start flowing, then crash both kinds of inbox
        services.kill(billing);
        services.kill(analytics);
        sending.awaitAll();
        users.forEach(u -> purchases.merge(u, 30, Integer::sum));
        services.start(billing, line -> System.out.println("[mesh] " + line));
        services.start(analytics, line -> System.out.println("[mesh] " + line));
        sendMarkers();
        awaitEffects();
    }

    @Test
    @Order(5)
    void aBrokerRestartMidStreamLosesNothingAcceptedAndAppliesNothingTwice() throws Exception {
        Map<String, List<String>> accepted = new java.util.concurrent.ConcurrentHashMap<>();
        try (KafkaProbe probe = KafkaProbe.on(Topics.USER_ACTIONS)) {
            Senders sending = perUser(user -> {
                for (int seq = 0; seq < 40; seq++) {
                    // During the outage the gateway answers 503; a client would retry, this one moves on.
                    tryPost(user, purchase(seq)).ifPresent(id -> accepted.computeIfAbsent(user, u -> new ArrayList<>()).add(id));
                }
            });
            Thread.sleep(300);
            stack.component("kafka").stop();
            TestStack.ensureRunning("kafka");
            sending.awaitAll();
            Map<String, String> markers = new HashMap<>();
            for (String user : users) {
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> tryPost(user, purchase(1000)).map(id -> markers.put(user, id) == null || true).orElse(false));
            }
            // What Kafka holds is the truth: a 503 whose record the broker wrote before dying still counts.
            Map<String, java.util.Set<String>> inTopic = new HashMap<>();
            probe.readUntil(r -> {
                if (purchases.containsKey(r.key())) {
                    inTopic.computeIfAbsent(r.key(), u -> new java.util.HashSet<>()).add(io.scalemesh.events.EventCodec.decode(r.value()).id());
                }
                return markers.entrySet().stream().allMatch(m -> inTopic.getOrDefault(m.getKey(), java.util.Set.of()).contains(m.getValue()));
            }, Duration.ofSeconds(60));
            for (String user : users) {
                assertEquals(true, inTopic.get(user).containsAll(accepted.getOrDefault(user, List.of())),
                        "every action answered 202 is in Kafka (" + user + ")");
                purchases.merge(user, inTopic.get(user).size(), Integer::sum);
            }
        }
        awaitEffects();
    }

    /** The event id of an accepted action, or empty when the gateway answered 503. */
    private java.util.Optional<String> tryPost(String user, String body) {
        HttpResponse<String> response = send(user, "/api/v1/actions", body);
        if (response.statusCode() == 202) {
            return java.util.Optional.of(response.body().replaceAll(".*\"eventId\":\"([^\"]+)\".*", "$1"));
        }
        if (response.statusCode() == 503) {
            return java.util.Optional.empty();
        }
        throw new AssertionError("POST answered " + response.statusCode() + ": " + response.body());
    }

    private void post(String user, String path, String body) {
        HttpResponse<String> response = send(user, path, body);
        if (response.statusCode() != 202) {
            throw new AssertionError("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private HttpResponse<String> send(String user, String path, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(gateway + path))
                    .header("Authorization", "Bearer " + Tokens.forTests(user, false))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String purchase(int seq) {
        return "{\"type\":\"purchase\",\"attributes\":{\"sku\":\"" + seq + "\"}}";
    }

    /** One sender per user, all at once. */
    private Senders perUser(java.util.function.Consumer<String> work) {
        ExecutorService pool = Executors.newFixedThreadPool(USERS);
        return new Senders(pool, users.stream().<Future<?>>map(user -> pool.submit(() -> work.accept(user))).toList());
    }

    /** Running senders; {@link #awaitAll} waits for every one and rethrows the first failure. */
    private record Senders(ExecutorService pool, List<Future<?>> futures) {
        void awaitAll() throws Exception {
            try {
                for (Future<?> future : futures) {
                    future.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    /** One more purchase per user: once its effects show, everything before it was processed. */
    private void sendMarkers() {
        for (String user : users) {
            post(user, "/api/v1/actions", purchase(1000));
            purchases.merge(user, 1, Integer::sum);
        }
    }

    /** Every consumer shows exactly the expected effect for every user. */
    private void awaitEffects() {
        for (String user : users) {
            int expected = purchases.get(user);
            Awaitility.await("effects for " + user).atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                var invoice = as(user).get(gateway + "/api/v1/billing/invoice").then().statusCode(200).extract().jsonPath();
                assertEquals(expected, invoice.getList("lines").size(), "ledger lines of " + user);
                assertEquals((long) expected * PRICE_OF_PURCHASE, invoice.getLong("totalMinor"), "invoice total of " + user);
                assertEquals(expected, notifications(user).size(), "notifications of " + user);
                int counted = asAdmin().get(gateway + "/api/v1/analytics/users/" + user).then().statusCode(200)
                        .extract().jsonPath().getInt("counts.'action.purchase'");
                assertEquals(expected, counted, "analytics count of " + user);
            });
        }
    }

    private List<String> notifications(String user) {
        List<String> messages = new ArrayList<>();
        String next = "/api/v1/notifications?limit=100";
        while (next != null) {
            var page = as(user).get(gateway + next).then().statusCode(200).extract().jsonPath();
            messages.addAll(page.getList("items.message"));
            next = page.getString("next");
        }
        return messages;
    }

    private void rewindToTheBeginning(List<String> groups) throws Exception {
        Properties config = new Properties();
        config.putAll(stack.settings().kafkaClientConfig());
        try (Admin admin = Admin.create(config)) {
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            admin.describeTopics(List.of(Topics.USER_ACTIONS)).allTopicNames().get().get(Topics.USER_ACTIONS).partitions()
                    .forEach(p -> earliest.put(new TopicPartition(Topics.USER_ACTIONS, p.partition()), OffsetSpec.earliest()));
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            admin.listOffsets(earliest).all().get().forEach((tp, info) -> offsets.put(tp, new OffsetAndMetadata(info.offset())));
            for (String group : groups) {
                // A group's offsets can only be moved while it has no members: wait for the stopped consumer to leave.
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                        admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().isEmpty());
                admin.alterConsumerGroupOffsets(group, offsets).all().get();
            }
        }
    }

    private static RequestSpecification as(String user) {
        return given().auth().oauth2(Tokens.forTests(user, false));
    }

    private static RequestSpecification asAdmin() {
        return given().auth().oauth2(Tokens.forTests("it-admin", true));
    }
}
