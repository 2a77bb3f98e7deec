package io.scalemesh.analytics.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.scalemesh.analytics.counters.Buckets;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.Topics;
import io.scalemesh.events.consumer.EventConsumer;
import io.scalemesh.events.consumer.RedisInbox;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.vertx.mutiny.redis.client.RedisAPI;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Counts every event by kind per minute, per hour and per user, and its user in the hour's
 * HyperLogLog. The Redis inbox applies all of it and the event's dedup marker in one atomic
 * script, a poll's batch per call, so a redelivered event counts nothing twice.
 */
@ApplicationScoped
public class CountedEvents {

    private final EventConsumer consumer;
    private final RedisInbox actions;
    private final RedisInbox tasks;
    private final RedisInbox profiles;
    private final Duration retention;

    @Inject
    public CountedEvents(RedisAPI redis, EventConsumer consumer,
            @ConfigProperty(name = "analytics.retention") Duration retention,
            @ConfigProperty(name = "analytics.dedup-window") Duration dedupWindow) {
        this.consumer = consumer;
        this.actions = new RedisInbox(redis, Buckets.PREFIX + "inbox:user-actions", dedupWindow);
        this.tasks = new RedisInbox(redis, Buckets.PREFIX + "inbox:task-completed", dedupWindow);
        this.profiles = new RedisInbox(redis, Buckets.PREFIX + "inbox:profile-changed", dedupWindow);
        this.retention = retention;
    }

    @Incoming("user-actions")
    public Uni<Void> onUserActions(ConsumerRecords<String, String> records, IncomingKafkaRecordBatchMetadata<String, String> batch) {
        return consumer.handleBatch("analytics", Topics.USER_ACTIONS, batch,
                counted(actions, event -> "action." + EventCodec.userAction(event).action()));
    }

    @Incoming("task-completed")
    public Uni<Void> onTasksCompleted(ConsumerRecords<String, String> records, IncomingKafkaRecordBatchMetadata<String, String> batch) {
        return consumer.handleBatch("analytics", Topics.TASK_COMPLETED, batch,
                counted(tasks, event -> "task." + EventCodec.taskCompleted(event).status().toLowerCase(Locale.ROOT)));
    }

    @Incoming("profile-changed")
    public Uni<Void> onProfilesChanged(ConsumerRecords<String, String> records, IncomingKafkaRecordBatchMetadata<String, String> batch) {
        return consumer.handleBatch("analytics", Topics.PROFILE_CHANGED, batch,
                counted(profiles, event -> "profile." + EventCodec.profileChanged(event).change().toLowerCase(Locale.ROOT)));
    }

    /** Each event counted under its kind; a batch is one script call. */
    private EventConsumer.BatchEffect<RedisInbox.Effect> counted(RedisInbox inbox, Function<EventEnvelope, String> kindOf) {
        return EventConsumer.BatchEffect.of(event -> {
            String kind = kindOf.apply(event);
            return Optional.of(new RedisInbox.Effect(event.id(), List.of(
                    RedisInbox.Op.hincrBy(Buckets.minute(event.time()), kind, 1, retention),
                    RedisInbox.Op.hincrBy(Buckets.hour(event.time()), kind, 1, retention),
                    RedisInbox.Op.hincrBy(Buckets.user(event.subject()), kind, 1, retention),
                    RedisInbox.Op.pfAdd(Buckets.uniqueUsers(event.time()), event.subject(), retention))));
        }, inbox::onceEach);
    }
}
