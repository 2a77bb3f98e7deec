package io.scalemesh.task.outbox;

import static io.scalemesh.task.Tasks.as;
import static io.scalemesh.task.Tasks.awaitStatus;
import static io.scalemesh.task.Tasks.submit;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.events.Topics;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.KafkaProbe;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

/**
 * The relay against real PostgreSQL and Kafka: an instance relays its own rows as it writes them,
 * rows another instance left are swept once older than orphan-after (2 s in tests), and while the
 * broker is down tasks are accepted and wait in the outbox.
 */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class OutboxRelayTest {

    /** Read by people, not by any consumer: a safe topic for hand-made rows. */
    private static final String TOPIC = Topics.dlq(Topics.TASK_COMPLETED);

    @Inject
    Pool pool;

    private final String user = "outbox-" + UUID.randomUUID();

    @Test
    void rowsADeadInstanceLeftAreSweptOnceOlderThanOrphanAfterAndOwnRowsAtOnce() {
        String marker = UUID.randomUUID().toString();
        try (KafkaProbe probe = KafkaProbe.on(TOPIC)) {
            // One commit, two rows: one of a writer that no longer runs, one of this instance's
            // (written behind its back, so the next round of its relay finds it, not a wake-up).
            List<Long> createdAt = pool.preparedQuery("INSERT INTO outbox (topic, key, payload, origin) VALUES"
                            + " ($1, $2, $3, 'task-service-gone'), ($1, $2, $4, 'task-service')"
                            + " RETURNING (extract(epoch FROM created_at) * 1000)::bigint")
                    .execute(Tuple.of(TOPIC, user, "orphan-" + marker, "own-" + marker)).await().atMost(Duration.ofSeconds(10))
                    .stream().map(row -> row.getLong(0)).toList();
            List<ConsumerRecord<String, String>> records = probe.readUntil(r -> r.value().equals("orphan-" + marker), Duration.ofSeconds(30));
            ConsumerRecord<String, String> own = records.stream().filter(r -> r.value().equals("own-" + marker)).findFirst()
                    .orElseThrow(() -> new AssertionError("this instance's row came after the orphan, or never"));
            ConsumerRecord<String, String> orphan = records.get(records.size() - 1);
            long orphanAge = orphan.timestamp() - createdAt.get(0);
            assertTrue(orphanAge >= 2_000, "an orphan waits out orphan-after (2 s) before the sweep takes it; it went after " + orphanAge + " ms");
            assertTrue(own.timestamp() - createdAt.get(1) < 2_000, "the writer's own relay does not wait for the sweep");
            assertEquals(user, orphan.key());
            assertEquals(0, outboxRows("payload IN ($1, $2)", "orphan-" + marker, "own-" + marker), "both rows deleted once sent");
        }
    }

    @Test
    void whileKafkaIsDownTasksAreAcceptedAndWaitInTheOutboxThenRunOnceItIsBack() {
        TestStack.shared().component("kafka").stop();
        List<String> ids;
        try {
            ids = List.of(submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [1, 2]}}"),
                    submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [3, 4]}}"),
                    submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [5, 6]}}"));
            assertEquals(3, outboxRows("key = $1 AND topic = $2", user, Topics.TASK_REQUESTED), "each accepted task waits in the outbox");
            for (String id : ids) {
                as(user).get("/api/v1/tasks/" + id).then().statusCode(200).body("status", equalTo("QUEUED"));
            }
        } finally {
            TestStack.ensureRunning("kafka");
        }
        int[] sums = {3, 7, 11};
        for (int i = 0; i < ids.size(); i++) {
            awaitStatus(user, ids.get(i), "SUCCEEDED", "FAILED").then().body("status", equalTo("SUCCEEDED"))
                    .body("result.sum", equalTo(sums[i])).body("attempts", equalTo(1));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> outboxRows("key = $1", user) == 0);
    }

    private long outboxRows(String where, Object... parameters) {
        return pool.preparedQuery("SELECT count(*) FROM outbox WHERE " + where).execute(Tuple.from(List.of(parameters)))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }
}
