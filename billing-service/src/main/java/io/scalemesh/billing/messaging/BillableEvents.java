package io.scalemesh.billing.messaging;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.micrometer.core.instrument.MeterRegistry;
import io.scalemesh.billing.PriceTable;
import io.scalemesh.billing.ledger.Ledger;
import io.scalemesh.billing.ledger.LedgerLine;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.Topics;
import io.scalemesh.events.consumer.EventConsumer;
import io.scalemesh.events.consumer.PgInbox;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Charges billable user actions and completed tasks, each at most once, into the ledger. */
@ApplicationScoped
public class BillableEvents {

    private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);

    private final PriceTable prices;
    private final Ledger ledger;
    private final PgInbox inbox;
    private final EventConsumer consumer;
    private final MeterRegistry registry;

    @Inject
    public BillableEvents(PriceTable prices, Ledger ledger, Pool pool, EventConsumer consumer, MeterRegistry registry) {
        this.prices = prices;
        this.ledger = ledger;
        this.inbox = new PgInbox(pool, "billing");
        this.consumer = consumer;
        this.registry = registry;
    }

    @Incoming("user-actions")
    public Uni<Void> onUserActions(ConsumerRecords<String, String> records, IncomingKafkaRecordBatchMetadata<String, String> batch) {
        return consumer.handleBatch("billing", Topics.USER_ACTIONS, batch,
                charges(event -> charge(event, "action." + EventCodec.userAction(event).action())));
    }

    @Incoming("task-completed")
    public Uni<Void> onTasksCompleted(ConsumerRecords<String, String> records, IncomingKafkaRecordBatchMetadata<String, String> batch) {
        return consumer.handleBatch("billing", Topics.TASK_COMPLETED, batch, charges(event -> {
            EventData.TaskCompleted task = EventCodec.taskCompleted(event);
            // Failed tasks are not charged.
            return "SUCCEEDED".equals(task.status()) ? charge(event, "task." + task.taskType()) : Optional.empty();
        }));
    }

    /** A batch's ledger lines, charged in one statement; the charged amounts counted once each. */
    private EventConsumer.BatchEffect<LedgerLine> charges(Function<EventEnvelope, Optional<LedgerLine>> line) {
        return EventConsumer.BatchEffect.of(line, lines -> ledger.chargeOnce(inbox, lines).invoke(charged -> {
            for (LedgerLine l : lines) {
                if (charged.contains(l.eventId())) {
                    registry.counter("scalemesh.billing.charged.minor", "currency", l.currency(), "kind", l.kind())
                            .increment(l.amountMinor());
                }
            }
        }));
    }

    /** Empty when the kind is free: nothing to record. */
    private Optional<LedgerLine> charge(EventEnvelope event, String kind) {
        return prices.priceOf(kind).map(price -> new LedgerLine(event.id(), event.subject(), kind, price, prices.currency(),
                PERIOD.format(event.time()), event.time()));
    }
}
