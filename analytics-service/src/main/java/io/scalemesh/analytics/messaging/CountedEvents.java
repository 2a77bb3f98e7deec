package io.scalemesh.analytics.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.scalemesh.analytics.counters.Buckets;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.Topics;
import io.scalemesh.events.consumer.EventConsumer;
import io.scalemesh.events.consumer.RedisInbox;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.RedisAPI;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Counts every event by kind per minute, per hour and per user, and its user in the hour's
 * HyperLogLog. The Redis inbox applies all of it and the event's dedup marker in one atomic
 * script, so a redelivered event counts nothing twice.
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
    public Uni<Void> onUserAction(String payload) {
        return consumer.handle("analytics", Topics.USER_ACTIONS, payload,
                event -> count(actions, event, "action." + EventCodec.userAction(event).action()));
    }

    @Incoming("task-completed")
    public Uni<Void> onTaskCompleted(String payload) {
        return consumer.handle("analytics", Topics.TASK_COMPLETED, payload,
                event -> count(tasks, event, "task." + EventCodec.taskCompleted(event).status().toLowerCase(Locale.ROOT)));
    }

    @Incoming("profile-changed")
    public Uni<Void> onProfileChanged(String payload) {
        return consumer.handle("analytics", Topics.PROFILE_CHANGED, payload,
                event -> count(profiles, event, "profile." + EventCodec.profileChanged(event).change().toLowerCase(Locale.ROOT)));
    }

    private Uni<Boolean> count(RedisInbox inbox, EventEnvelope event, String kind) {
        return inbox.once(event.id(), List.of(
                RedisInbox.Op.hincrBy(Buckets.minute(event.time()), kind, 1, retention),
                RedisInbox.Op.hincrBy(Buckets.hour(event.time()), kind, 1, retention),
                RedisInbox.Op.hincrBy(Buckets.user(event.subject()), kind, 1, retention),
                RedisInbox.Op.pfAdd(Buckets.uniqueUsers(event.time()), event.subject(), retention)));
    }
}
