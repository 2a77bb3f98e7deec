package io.scalemesh.billing.messaging;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.TestStack;
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
class BillableEventsTest {

    private final String user = "billing-" + UUID.randomUUID();

    private static RequestSpecification as(String user, String roles) {
        return given().header("Authorization", Tokens.internalForTests(user, roles.contains("admin")));
    }

    private static EventEnvelope action(String user, String name) {
        return EventEnvelope.create(EventTypes.USER_ACTION, "/test", user,
                new EventData.UserAction(name, EventCodec.json().createObjectNode()).toJson());
    }

    private static EventEnvelope task(String user, String type, String status) {
        return EventEnvelope.create(EventTypes.TASK_COMPLETED, "/test", user,
                new EventData.TaskCompleted(UUID.randomUUID().toString(), type, status, 1, Instant.now()).toJson());
    }

    private void awaitInvoiceKinds(String... kinds) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                as(user, "user").get("/api/v1/billing/invoice").then().statusCode(200).body("lines.kind", contains(kinds)));
    }

    @Test
    void anEventDeliveredThreeTimesIsChargedOnce() {
        EventEnvelope purchase = action(user, "purchase");
        for (int i = 0; i < 3; i++) {
            KafkaProbe.send(Topics.USER_ACTIONS, user, EventCodec.encode(purchase));
        }
        // A later event of the same user sits behind the duplicates on the same partition:
        // once it is charged, the duplicates have been processed.
        KafkaProbe.send(Topics.USER_ACTIONS, user, EventCodec.encode(action(user, "export")));
        awaitInvoiceKinds("action.purchase", "action.export");
        as(user, "user").get("/api/v1/billing/invoice").then()
                .body("lines[0].eventId", equalTo(purchase.id()))
                .body("totalMinor", equalTo(99 + 25)).body("total", equalTo("1.24")).body("currency", equalTo("EUR"))
                .body("byKind.'action.purchase'.count", equalTo(1))
                .body("period", equalTo(YearMonth.now(ZoneOffset.UTC).toString()));
    }

    @Test
    void freeActionsAndFailedTasksCostNothing() {
        KafkaProbe.send(Topics.USER_ACTIONS, user, EventCodec.encode(action(user, "view")));
        KafkaProbe.send(Topics.TASK_COMPLETED, user, EventCodec.encode(task(user, "report", "FAILED")));
        KafkaProbe.send(Topics.TASK_COMPLETED, user, EventCodec.encode(task(user, "report", "SUCCEEDED")));
        KafkaProbe.send(Topics.USER_ACTIONS, user, EventCodec.encode(action(user, "subscribe")));
        awaitInvoiceKinds("task.report", "action.subscribe");
        as(user, "user").get("/api/v1/billing/invoice").then().body("totalMinor", equalTo(50 + 499));
    }

    @Test
    void poisonMessagesGoToTheDlqWithTheirReasonAndTheRestIsCharged() {
        String unknownType = EventCodec.encode(action(user, "purchase")).replace(EventTypes.USER_ACTION, "scalemesh.unknown.v1");
        String badSchema = EventCodec.encode(action(user, "purchase")).replace("\"attributes\":{}", "\"attributes\":[]");
        try (KafkaProbe dlq = KafkaProbe.on(Topics.dlq(Topics.USER_ACTIONS))) {
            KafkaProbe.send(Topics.USER_ACTIONS, user, "{this is not json");
            KafkaProbe.send(Topics.USER_ACTIONS, user, unknownType);
            KafkaProbe.send(Topics.USER_ACTIONS, user, badSchema);
            KafkaProbe.send(Topics.USER_ACTIONS, user, EventCodec.encode(action(user, "purchase")));
            awaitInvoiceKinds("action.purchase");

            List<ConsumerRecord<String, String>> dead = dlq.readUntil(new java.util.function.Predicate<>() {
                int mine;

                @Override
                public boolean test(ConsumerRecord<String, String> r) {
                    return user.equals(r.key()) && ++mine == 3;
                }
            }, Duration.ofSeconds(30)).stream().filter(r -> user.equals(r.key())).toList();
            assertEquals(3, dead.size());
            List<String> reasons = dead.stream().map(r -> new String(r.headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8)).toList();
            assertTrue(reasons.get(0).contains("malformed JSON"), reasons.toString());
            assertTrue(reasons.get(1).contains("unknown event type"), reasons.toString());
            assertTrue(reasons.get(2).contains("data.attributes must be an object"), reasons.toString());
            assertEquals("{this is not json", dead.get(0).value(), "the DLQ keeps the original message");
        }
    }

    @Test
    void duringADatabaseOutageTheConsumerWaitsInsteadOfDeadLettering() {
        EventEnvelope purchase = action(user, "purchase");
        try (KafkaProbe dlq = KafkaProbe.on(Topics.dlq(Topics.USER_ACTIONS))) {
            TestStack.shared().component("postgres-0").stop();
            try {
                KafkaProbe.send(Topics.USER_ACTIONS, user, EventCodec.encode(purchase));
                // Longer than all bounded retries take (0.1 + 0.2 + 0.4 + 0.8 s): none of them may dead-letter it.
                assertThrows(AssertionError.class, () -> dlq.readUntil(r -> user.equals(r.key()), Duration.ofSeconds(4)));
            } finally {
                TestStack.ensureRunning("postgres-0");
            }
            awaitInvoiceKinds("action.purchase");
            as(user, "user").get("/api/v1/billing/invoice").then().body("lines[0].eventId", equalTo(purchase.id()));
        }
    }

    @Test
    void invoicesAreOwnUnlessAdmin() {
        given().get("/api/v1/billing/invoice").then().statusCode(401).contentType("application/problem+json");
        as(user, "user").get("/api/v1/billing/invoice?userId=someone-else").then().statusCode(403)
                .contentType("application/problem+json").body("type", equalTo("https://scalemesh.dev/problems/forbidden"));
        as("the-admin", "user,admin").get("/api/v1/billing/invoice?userId=" + user).then().statusCode(200)
                .body("userId", equalTo(user)).body("lines", hasSize(0));
    }

    @Test
    void aBadPeriodIs400() {
        for (String period : new String[] { "2026-13", "november", "2026-1", "2026-11-01" }) {
            as(user, "user").get("/api/v1/billing/invoice?period=" + period).then().statusCode(400)
                    .contentType("application/problem+json").body("detail", equalTo("period must be a month as YYYY-MM, e.g. 2026-11"));
        }
    }
}
