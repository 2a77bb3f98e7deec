package io.scalemesh.notification.messaging;

import java.time.Instant;
import java.util.Optional;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventIds;
import io.scalemesh.events.Topics;
import io.scalemesh.events.consumer.EventConsumer;
import io.scalemesh.events.consumer.PgInbox;
import io.scalemesh.notification.Notification;
import io.scalemesh.notification.NotificationRules;
import io.scalemesh.notification.store.NotificationStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Turns user actions and finished tasks into notifications, each event at most once. */
@ApplicationScoped
public class NotifyingEvents {

    private final NotificationRules rules;
    private final NotificationStore store;
    private final PgInbox inbox;
    private final EventConsumer consumer;

    @Inject
    public NotifyingEvents(NotificationRules rules, NotificationStore store, Pool pool, EventConsumer consumer) {
        this.rules = rules;
        this.store = store;
        this.inbox = new PgInbox(pool, "notification");
        this.consumer = consumer;
    }

    @Incoming("user-actions")
    public Uni<Void> onUserAction(String payload) {
        return consumer.handle("notification", Topics.USER_ACTIONS, payload, event -> {
            EventData.UserAction action = EventCodec.userAction(event);
            String kind = "action." + action.action();
            return notify(event, kind, rules.render(kind, action::attribute));
        });
    }

    @Incoming("task-completed")
    public Uni<Void> onTaskCompleted(String payload) {
        return consumer.handle("notification", Topics.TASK_COMPLETED, payload, event -> {
            EventData.TaskCompleted task = EventCodec.taskCompleted(event);
            String kind = "task." + task.status().toLowerCase(java.util.Locale.ROOT);
            return notify(event, kind, rules.render(kind, name -> switch (name) {
                case "taskId" -> task.taskId();
                case "taskType" -> task.taskType();
                case "attempts" -> Integer.toString(task.attempts());
                default -> null;
            }));
        });
    }

    private Uni<Boolean> notify(EventEnvelope event, String kind, Optional<String> message) {
        if (message.isEmpty()) {
            return Uni.createFrom().item(true); // this kind does not notify
        }
        Notification notification = new Notification(EventIds.next(), event.subject(), kind, message.get(), event.id(), Instant.now());
        return inbox.once(event.id(), tx -> store.insert(tx, notification));
    }
}
