package io.scalemesh.task.worker;

import static io.scalemesh.task.Tasks.awaitStatus;
import static io.scalemesh.task.Tasks.submit;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.Topics;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.KafkaProbe;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class TaskWorkerTest {

    private final String user = "worker-" + UUID.randomUUID();

    private static boolean about(ConsumerRecord<String, String> record, String taskId) {
        return record.value().contains(taskId);
    }

    @Test
    void anInstanceOfRoleBothConsumesTheQueue() {
        // The counterpart of ApiRoleTest's API-only instance, which has no such consumer.
        org.hamcrest.MatcherAssert.assertThat(io.scalemesh.testing.Management.management().get("/q/health/ready").asString(),
                containsString("task-requested"));
    }

    @Test
    void aTaskThatAlwaysFailsEndsFailedInTheDlqAndTheQueueKeepsMoving() {
        // In tests no analytics-service runs, so a report's query of it fails every time (retryably).
        try (KafkaProbe dlq = KafkaProbe.on(Topics.dlq(Topics.TASK_REQUESTED)); KafkaProbe completed = KafkaProbe.on(Topics.TASK_COMPLETED)) {
            String doomed = submit(user, "{\"type\": \"report\", \"input\": {\"windowDays\": 7}}");
            String next = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [2, 3]}}");

            awaitStatus(user, doomed, "FAILED", "SUCCEEDED").then().body("status", equalTo("FAILED"))
                    .body("attempts", equalTo(3)).body("error", equalTo("dependency-unavailable"));
            ConsumerRecord<String, String> dead = dlq.readUntil(r -> about(r, doomed), Duration.ofSeconds(30)).get(0);
            assertEquals(user, dead.key());
            assertNotNull(dead.headers().lastHeader("dead-letter-reason"), "the DLQ record says why");
            String reason = new String(dead.headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8);
            org.hamcrest.MatcherAssert.assertThat(reason, containsString("after 3 attempt(s)"));

            // Behind it on the same partition, the next task still runs.
            awaitStatus(user, next, "SUCCEEDED", "FAILED").then().body("status", equalTo("SUCCEEDED")).body("result.sum", equalTo(5));
            List<ConsumerRecord<String, String>> outcomes = completed.readUntil(r -> about(r, next), Duration.ofSeconds(30));
            EventData.TaskCompleted failure = outcomes.stream().filter(r -> about(r, doomed))
                    .map(r -> EventCodec.taskCompleted(EventCodec.decode(r.value()))).findFirst().orElseThrow();
            assertEquals("FAILED", failure.status());
            assertEquals(3, failure.attempts());
        }
    }

    @Test
    void aRedeliveredTaskMessageNeverRunsOrCompletesTwice() {
        try (KafkaProbe requested = KafkaProbe.on(Topics.TASK_REQUESTED); KafkaProbe completed = KafkaProbe.on(Topics.TASK_COMPLETED)) {
            String id = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [20, 22]}}");
            ConsumerRecord<String, String> message = requested.readUntil(r -> about(r, id), Duration.ofSeconds(30)).get(0);
            awaitStatus(user, id, "SUCCEEDED");
            // Kafka redelivers (a rebalance, a crash before the commit): the same record, twice more.
            KafkaProbe.send(Topics.TASK_REQUESTED, message.key(), message.value());
            KafkaProbe.send(Topics.TASK_REQUESTED, message.key(), message.value());
            // A later task of the same user queues behind the duplicates, and completes after them.
            String marker = submit(user, "{\"type\": \"sum\", \"input\": {\"numbers\": [1]}}");
            awaitStatus(user, marker, "SUCCEEDED");
            List<ConsumerRecord<String, String>> events = completed.readUntil(r -> about(r, marker), Duration.ofSeconds(30));
            List<EventEnvelope> ofTheTask = events.stream().filter(r -> about(r, id)).map(r -> EventCodec.decode(r.value())).toList();
            assertEquals(1, ofTheTask.size(), "one task.completed for the task, whatever was redelivered");
            assertEquals(user, ofTheTask.get(0).subject());
            io.scalemesh.task.Tasks.as(user).get("/api/v1/tasks/" + id).then().body("attempts", equalTo(1));
        }
    }
}
