package io.scalemesh.notification.messaging;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecords;
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
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Turns user actions and finished tasks into notifications, each event at most once, a poll's batch at a time. */
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
    public Uni<Void> onUserActions(ConsumerRecords<String, String> records, IncomingKafkaRecordBatchMetadata<String, String> batch) {
        return consumer.handleBatch("notification", Topics.USER_ACTIONS, batch, notifications(event -> {
            EventData.UserAction action = EventCodec.userAction(event);
            String kind = "action." + action.action();
            return notification(event, kind, rules.render(kind, action::attribute));
        }));
    }

    @Incoming("task-completed")
    public Uni<Void> onTasksCompleted(ConsumerRecords<String, String> records, IncomingKafkaRecordBatchMetadata<String, String> batch) {
        return consumer.handleBatch("notification", Topics.TASK_COMPLETED, batch, notifications(event -> {
            EventData.TaskCompleted task = EventCodec.taskCompleted(event);
            String kind = "task." + task.status().toLowerCase(java.util.Locale.ROOT);
            return notification(event, kind, rules.render(kind, name -> switch (name) {
                case "taskId" -> task.taskId();
                case "taskType" -> task.taskType();
                case "attempts" -> Integer.toString(task.attempts());
                default -> null;
            }));
        }));
    }

    /** A batch's notifications, made in the order of the events (ids are time-ordered), stored in one statement. */
    private EventConsumer.BatchEffect<Notification> notifications(Function<EventEnvelope, Optional<Notification>> make) {
        return EventConsumer.BatchEffect.of(make, batch -> store.insertOnce(inbox, batch));
    }

    /** Empty when this kind does not notify. */
    private static Optional<Notification> notification(EventEnvelope event, String kind, Optional<String> message) {
        return message.map(text -> new Notification(EventIds.next(), event.subject(), kind, text, event.id(), Instant.now()));
    }
}
