package io.scalemesh.billing.ledger;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventTypes;
import io.scalemesh.events.Topics;
import io.scalemesh.events.consumer.PgInbox;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.KafkaProbe;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

/** The inbox keeps ids for its retention window and no longer; the ledger still charges an event once after that. */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class InboxRetentionTest {

    @Inject
    Pool pool;

    private final String consumer = "retention-" + UUID.randomUUID();

    private long count(String sql) {
        return pool.preparedQuery(sql).execute(Tuple.of(consumer)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    @Test
    void idsOlderThanTheWindowGoInChunksAndNewerOnesStay() {
        // More old rows than one purge statement deletes, so the purge must go on chunk by chunk.
        pool.preparedQuery("INSERT INTO inbox (consumer, event_id, processed_at) SELECT $1, 'old-' || i, now() - interval '8 days'"
                + " FROM generate_series(1, 10005) i").execute(Tuple.of(consumer)).await().atMost(Duration.ofSeconds(30));
        pool.preparedQuery("INSERT INTO inbox (consumer, event_id, processed_at) SELECT $1, 'new-' || i, now() - interval '6 days'"
                + " FROM generate_series(1, 3) i").execute(Tuple.of(consumer)).await().atMost(Duration.ofSeconds(30));

        long purged = PgInbox.purge(pool, Duration.ofDays(7)).await().atMost(Duration.ofSeconds(60));

        assertEquals(10005, purged, "every id older than the window, whoever's");
        assertEquals(0, count("SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id LIKE 'old-%'"));
        assertEquals(3, count("SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id LIKE 'new-%'"), "ids inside the window stay");
    }

    @Test
    void anEventRedeliveredAfterItsIdWasForgottenIsStillChargedOnce() {
        String user = "retention-" + UUID.randomUUID();
        EventEnvelope purchase = EventEnvelope.create(EventTypes.USER_ACTION, "/test", user,
                new EventData.UserAction("purchase", EventCodec.json().createObjectNode()).toJson());
        KafkaProbe.send(Topics.USER_ACTIONS, user, EventCodec.encode(purchase));
        awaitInvoiceKinds(user, "action.purchase");

        PgInbox.purge(pool, Duration.ZERO).await().atMost(Duration.ofSeconds(60)); // past the horizon: the inbox forgets it
        KafkaProbe.send(Topics.USER_ACTIONS, user, EventCodec.encode(purchase));
        KafkaProbe.send(Topics.USER_ACTIONS, user, EventCodec.encode(EventEnvelope.create(EventTypes.USER_ACTION, "/test", user,
                new EventData.UserAction("export", EventCodec.json().createObjectNode()).toJson())));

        // The ledger's unique event id still holds: once the export behind it is charged, the purchase is one line.
        awaitInvoiceKinds(user, "action.purchase", "action.export");
    }

    private static void awaitInvoiceKinds(String user, String... kinds) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                given().header("Authorization", Tokens.internalForTests(user, false)).get("/api/v1/billing/invoice").then()
                        .statusCode(200).body("lines.kind", contains(kinds)));
    }
}
