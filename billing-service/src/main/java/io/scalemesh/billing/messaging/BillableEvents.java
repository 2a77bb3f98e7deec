package io.scalemesh.billing.messaging;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

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
    public Uni<Void> onUserAction(String payload) {
        return consumer.handle("billing", Topics.USER_ACTIONS, payload, event -> {
            EventData.UserAction action = EventCodec.userAction(event);
            return charge(event, "action." + action.action());
        });
    }

    @Incoming("task-completed")
    public Uni<Void> onTaskCompleted(String payload) {
        return consumer.handle("billing", Topics.TASK_COMPLETED, payload, event -> {
            EventData.TaskCompleted task = EventCodec.taskCompleted(event);
            // Failed tasks are not charged.
            return "SUCCEEDED".equals(task.status()) ? charge(event, "task." + task.taskType()) : Uni.createFrom().item(true);
        });
    }

    private Uni<Boolean> charge(EventEnvelope event, String kind) {
        Optional<Long> price = prices.priceOf(kind);
        if (price.isEmpty()) {
            return Uni.createFrom().item(true); // free: nothing to record
        }
        LedgerLine line = new LedgerLine(event.id(), event.subject(), kind, price.get(), prices.currency(),
                PERIOD.format(event.time()), event.time());
        return inbox.once(event.id(), tx -> ledger.charge(tx, line)).invoke(charged -> {
            if (charged) {
                registry.counter("scalemesh.billing.charged.minor", "currency", line.currency(), "kind", kind).increment(line.amountMinor());
            }
        });
    }
}
