package io.scalemesh.analytics.messaging;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventIds;
import io.scalemesh.events.EventTypes;
import io.scalemesh.events.Topics;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.KafkaProbe;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class CountedEventsTest {

    /** A random hour in the past that no other test writes to: its counts are this test's alone. */
    private final Instant hour = Instant.parse("2001-01-01T00:00:00Z")
            .plus(ThreadLocalRandom.current().nextInt(0, 24 * 365 * 10), ChronoUnit.HOURS);

    private static RequestSpecification admin() {
        return given().header("Authorization", Tokens.internalForTests("the-admin", true));
    }

    private EventEnvelope action(String user, String name, int minute) {
        return new EventEnvelope(EventIds.next(), EventTypes.USER_ACTION, "/test", hour.plus(minute, ChronoUnit.MINUTES), user,
                new EventData.UserAction(name, EventCodec.json().createObjectNode()).toJson());
    }

    private String summaryOfTheHour() {
        return "/api/v1/analytics/summary?from=" + hour + "&to=" + hour.plus(1, ChronoUnit.HOURS);
    }

    @Test
    void countsPerKindMinuteAndUserOnceEachWhateverIsRedelivered() {
        String alice = "alice-" + UUID.randomUUID();
        String bob = "bob-" + UUID.randomUUID();
        EventEnvelope first = action(alice, "purchase", 5);
        for (int i = 0; i < 3; i++) {
            KafkaProbe.send(Topics.USER_ACTIONS, alice, EventCodec.encode(first)); // delivered three times
        }
        KafkaProbe.send(Topics.USER_ACTIONS, alice, EventCodec.encode(action(alice, "view", 5)));
        KafkaProbe.send(Topics.USER_ACTIONS, bob, EventCodec.encode(action(bob, "purchase", 17)));
        KafkaProbe.send(Topics.TASK_COMPLETED, bob, EventCodec.encode(new EventEnvelope(EventIds.next(), EventTypes.TASK_COMPLETED,
                "/test", hour.plus(17, ChronoUnit.MINUTES), bob,
                new EventData.TaskCompleted("t-1", "sum", "SUCCEEDED", 1, hour).toJson())));

        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                admin().get(summaryOfTheHour()).then().statusCode(200).body("totalEvents", equalTo(4)));
        admin().get(summaryOfTheHour()).then()
                .body("granularity", equalTo("minute"))
                .body("totals.'action.purchase'", equalTo(2))
                .body("totals.'action.view'", equalTo(1))
                .body("totals.'task.succeeded'", equalTo(1))
                .body("uniqueUsers", equalTo(2))
                .body("series", hasSize(2))
                .body("series[0].start", equalTo(hour.plus(5, ChronoUnit.MINUTES).toString()))
                .body("series[0].counts.'action.purchase'", equalTo(1));
        admin().get("/api/v1/analytics/users/" + alice).then().statusCode(200)
                .body("counts.'action.purchase'", equalTo(1)).body("counts.'action.view'", equalTo(1));
        // A user reads their own counts (task-service's report does so on their behalf), not another's.
        given().header("Authorization", Tokens.internalForTests(alice, false)).get("/api/v1/analytics/users/" + alice).then().statusCode(200)
                .body("counts.'action.purchase'", equalTo(1));
        given().header("Authorization", Tokens.internalForTests("mallory", false)).get("/api/v1/analytics/users/" + alice).then().statusCode(403);
    }

    @Test
    void aBatchWithRepeatsCountsEachEventOnce() {
        String dave = "dave-" + UUID.randomUUID();
        String erin = "erin-" + UUID.randomUUID();
        List<String> daves = new ArrayList<>();
        List<String> erins = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String encoded = EventCodec.encode(action(dave, i % 3 == 0 ? "view" : "purchase", i));
            daves.add(encoded);
            if (i % 4 == 0) {
                daves.add(encoded); // redelivered within the same poll
            }
            erins.add(EventCodec.encode(action(erin, "purchase", 30 + i % 5)));
        }
        // One produce batch per user: the consumer's script call sums many updates of the same keys.
        KafkaProbe.sendTogether(Topics.USER_ACTIONS, dave, daves);
        KafkaProbe.sendTogether(Topics.USER_ACTIONS, erin, erins);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                admin().get(summaryOfTheHour()).then().statusCode(200).body("totalEvents", equalTo(60)));
        admin().get(summaryOfTheHour()).then()
                .body("totals.'action.purchase'", equalTo(20 + 30))
                .body("totals.'action.view'", equalTo(10))
                .body("uniqueUsers", equalTo(2))
                .body("series", hasSize(35))
                .body("series[30].counts.'action.purchase'", equalTo(6));
        admin().get("/api/v1/analytics/users/" + dave).then().statusCode(200)
                .body("counts.'action.purchase'", equalTo(20)).body("counts.'action.view'", equalTo(10));
    }

    @Test
    void profileChangesAreCountedToo() {
        String carol = "carol-" + UUID.randomUUID();
        KafkaProbe.send(Topics.PROFILE_CHANGED, carol, EventCodec.encode(new EventEnvelope(EventIds.next(), EventTypes.PROFILE_CHANGED,
                "/test", hour.plus(1, ChronoUnit.MINUTES), carol, new EventData.ProfileChanged("UPSERTED", 1).toJson())));
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                admin().get(summaryOfTheHour()).then().body("totals.'profile.upserted'", equalTo(1)));
    }

    @Test
    void longRangesArePerHour() {
        admin().get("/api/v1/analytics/summary?from=" + hour + "&to=" + hour.plus(2, ChronoUnit.DAYS)).then().statusCode(200)
                .body("granularity", equalTo("hour"));
    }

    @Test
    void onlyAdminsAndOnlySaneRanges() {
        given().get("/api/v1/analytics/summary").then().statusCode(401).contentType("application/problem+json");
        given().header("Authorization", Tokens.internalForTests("mallory", false)).get("/api/v1/analytics/summary")
                .then().statusCode(403).contentType("application/problem+json");
        admin().get("/api/v1/analytics/summary?from=yesterday").then().statusCode(400).contentType("application/problem+json");
        admin().get("/api/v1/analytics/summary?from=" + hour.plus(1, ChronoUnit.HOURS) + "&to=" + hour).then().statusCode(400);
        admin().get("/api/v1/analytics/summary?from=" + hour + "&to=" + hour.plus(8, ChronoUnit.DAYS)).then().statusCode(400);
        admin().get("/api/v1/analytics/users/not%20valid").then().statusCode(400);
    }
}
