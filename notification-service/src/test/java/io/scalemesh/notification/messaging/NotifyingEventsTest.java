package io.scalemesh.notification.messaging;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventTypes;
import io.scalemesh.events.Topics;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.KafkaProbe;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class NotifyingEventsTest {

    private final String user = "notify-" + UUID.randomUUID();

    private RequestSpecification asUser() {
        return given().header("Authorization", Tokens.internalForTests(user, false));
    }

    private EventEnvelope action(String name, String sku) {
        var attributes = EventCodec.json().createObjectNode();
        if (sku != null) {
            attributes.put("sku", sku);
        }
        return EventEnvelope.create(EventTypes.USER_ACTION, "/test", user, new EventData.UserAction(name, attributes).toJson());
    }

    private void send(EventEnvelope event) {
        KafkaProbe.send(event.type().equals(EventTypes.USER_ACTION) ? Topics.USER_ACTIONS : Topics.TASK_COMPLETED, user, EventCodec.encode(event));
    }

    private void awaitMessages(String... newestFirst) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                asUser().get("/api/v1/notifications").then().statusCode(200).body("items.message", contains(newestFirst)));
    }

    @Test
    void eventsBecomeNotificationsOnceEachAndOnlyWhenARuleSaysSo() {
        EventEnvelope signup = action("signup", null);
        send(signup);
        send(signup);
        send(action("view", null)); // no rule for view
        send(signup);
        send(EventEnvelope.create(EventTypes.TASK_COMPLETED, "/test", user,
                new EventData.TaskCompleted("t-42", "sum", "SUCCEEDED", 1, Instant.now()).toJson()));
        send(action("purchase", "book-1"));
        // Two topics are consumed independently: their relative order is not defined.
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                asUser().get("/api/v1/notifications").then().statusCode(200).body("items.message",
                        containsInAnyOrder("Thank you for your purchase book-1.", "Your sum task t-42 finished.", "Welcome to scalemesh!")));
        asUser().get("/api/v1/notifications").then().body("items.find { it.kind == 'action.signup' }.eventId", equalTo(signup.id()));
    }

    @Test
    void anEventThatCannotBeStoredGoesToTheDlqAloneAndItsBatchNeighboursAreNotified() {
        // Its NOTIFY payload is over PostgreSQL's 8,000 bytes: the batch's statement fails, and
        // only this event may end up in the DLQ.
        EventEnvelope poison = action("purchase", "x".repeat(9_000));
        try (KafkaProbe dlq = KafkaProbe.on(Topics.dlq(Topics.USER_ACTIONS))) {
            KafkaProbe.sendTogether(Topics.USER_ACTIONS, user, List.of(EventCodec.encode(action("purchase", "before")),
                    EventCodec.encode(poison), EventCodec.encode(action("purchase", "after"))));
            awaitMessages("Thank you for your purchase after.", "Thank you for your purchase before.");
            List<ConsumerRecord<String, String>> dead = dlq.readUntil(r -> user.equals(r.key()), Duration.ofSeconds(30)).stream()
                    .filter(r -> user.equals(r.key())).toList();
            assertEquals(poison.id(), EventCodec.decode(dead.get(0).value()).id(), "the DLQ holds the event that failed");
            String reason = new String(dead.get(0).headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8);
            assertTrue(reason.contains("payload string too long"), reason);
        }
        asUser().get("/api/v1/notifications").then().body("items", hasSize(2));
    }

    @Test
    void pagesGoNewestFirstWithANextLink() {
        for (int i = 0; i < 5; i++) {
            send(action("purchase", "item-" + i));
        }
        awaitMessages("Thank you for your purchase item-4.", "Thank you for your purchase item-3.", "Thank you for your purchase item-2.",
                "Thank you for your purchase item-1.", "Thank you for your purchase item-0.");
        String next = asUser().get("/api/v1/notifications?limit=2").then().statusCode(200).body("items", hasSize(2))
                .body("items.message", contains("Thank you for your purchase item-4.", "Thank you for your purchase item-3."))
                .extract().path("next");
        String last = asUser().get(next).then().body("items.message",
                contains("Thank you for your purchase item-2.", "Thank you for your purchase item-1.")).extract().path("next");
        asUser().get(last).then().body("items.message", contains("Thank you for your purchase item-0.")).body("next", nullValue());
    }

    @Test
    void theStreamDeliversNotificationsLive() throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/v1/notifications/stream"))
                .header("Authorization", Tokens.internalForTests(user, false)).header("Accept", "text/event-stream").build();
        HttpClient client = HttpClient.newHttpClient();
        var response = client.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenAccept(r -> r.body().forEach(lines::add));
        try {
            // Another user's notification must not show up on this stream.
            KafkaProbe.send(Topics.USER_ACTIONS, "someone-else", EventCodec.encode(EventEnvelope.create(EventTypes.USER_ACTION, "/test",
                    "someone-else", new EventData.UserAction("signup", EventCodec.json().createObjectNode()).toJson())));
            String line = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && (line == null || !line.contains("Welcome"))) {
                send(action("signup", null)); // repeated until the stream is connected; each is a new event
                line = lines.poll(1, TimeUnit.SECONDS);
                while (line != null && !line.contains("Welcome")) {
                    line = lines.poll(200, TimeUnit.MILLISECONDS);
                }
            }
            assertTrue(line != null && line.startsWith("data:") && line.contains(user), "got " + line);
            List<String> all = List.copyOf(lines);
            assertTrue(all.stream().noneMatch(l -> l.contains("someone-else")), all.toString());
        } finally {
            response.cancel(true);
        }
    }

    @Test
    void badRequestsAreProblems() {
        given().get("/api/v1/notifications").then().statusCode(401).contentType("application/problem+json");
        asUser().get("/api/v1/notifications?limit=0").then().statusCode(400).contentType("application/problem+json");
        asUser().get("/api/v1/notifications?limit=101").then().statusCode(400);
        asUser().get("/api/v1/notifications?before=not-an-id").then().statusCode(400).contentType("application/problem+json");
        asUser().get("/api/v1/notifications?limit=ten").then().statusCode(400).contentType("application/problem+json");
    }
}
