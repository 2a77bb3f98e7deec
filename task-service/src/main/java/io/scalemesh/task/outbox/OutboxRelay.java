package io.scalemesh.task.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.scalemesh.events.kafka.EventRecords;
import io.scalemesh.task.TaskSettings;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Publishes the outbox to Kafka: locks a batch of rows ({@code SKIP LOCKED}, so relays can work at
 * once without sending a row twice at the same time), sends them, waits for the broker's acks,
 * deletes them, commits. A crash between the acks and the commit sends the batch again; consumers
 * deduplicate by event id, so that is harmless. Each instance relays the rows it wrote
 * ({@code origin}), woken in-process by {@link io.scalemesh.task.store.TaskStore} after the commit,
 * with no NOTIFY that would wake every instance for every commit. A sweep every
 * {@code mesh.task.outbox.poll-interval} also takes anyone's rows older than
 * {@code mesh.task.outbox.orphan-after}: those of an instance that died before relaying them, or
 * that falls behind. While Kafka is down rows wait in the outbox and tasks are still accepted.
 */
@ApplicationScoped
public class OutboxRelay {

    @Inject
    TaskSettings settings;

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final String COLUMNS = "SELECT id, topic, key, payload, traceparent, dead_letter_reason FROM outbox";
    /** This instance's rows, oldest first. */
    private static final String OWN_ROWS = COLUMNS + " WHERE origin = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED";
    /** Anyone's rows (and those written before rows had an origin) older than $1 seconds. */
    private static final String ORPHANS = COLUMNS
            + " WHERE created_at < now() - make_interval(secs => $1) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED";
    private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of("traceparent");
        }

        @Override
        public String get(String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    };

    @Inject
    Pool pool;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry registry;

    @Inject
    @Channel("outbox")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    MutinyEmitter<String> emitter;





    /** This instance's name: the origin of the outbox rows it writes. */
    @ConfigProperty(name = "mesh.instance", defaultValue = "task-service")
    String origin;

    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean wokenWhileDraining = new AtomicBoolean();
    private final AtomicBoolean sweepDue = new AtomicBoolean(true);
    private long timer = -1;
    private volatile boolean stopped;
    private volatile long lastWarning;

    /** The name this instance's outbox rows carry. */
    public String origin() {
        return origin;
    }

    void start(@Observes @Priority(1100) StartupEvent startup) { // after messaging is wired (1000)
        // The first round sweeps too: what this instance or a dead one left before a restart.
        drain();
        timer = vertx.setPeriodic(settings.outbox().pollInterval().toMillis(), ignored -> {
            sweepDue.set(true);
            drain();
        });
    }

    void stop(@Observes ShutdownEvent shutdown) {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /**
     * Relays this instance's rows until none are left, then (when the timer asked for it) sweeps
     * orphans until none are left; a wake-up during a round makes it go round once more.
     * {@link io.scalemesh.task.store.TaskStore} calls it after each commit that wrote outbox rows.
     */
    public void drain() {
        if (stopped) {
            return;
        }
        if (!draining.compareAndSet(false, true)) {
            wokenWhileDraining.set(true);
            return;
        }
        wokenWhileDraining.set(false);
        // A full batch of its own goes round again before any sweep; a full sweep asks for another.
        Uni<Integer> round = relayBatch(OWN_ROWS, origin).chain(own -> own == settings.outbox().batchSize() || !sweepDue.getAndSet(false)
                ? Uni.createFrom().item(own)
                : relayBatch(ORPHANS, settings.outbox().orphanAfter().toMillis() / 1000.0).invoke(swept -> {
                    if (swept == settings.outbox().batchSize()) {
                        sweepDue.set(true);
                    }
                }).replaceWith(own));
        round.subscribe().with(sent -> {
            draining.set(false);
            if (sent == settings.outbox().batchSize() || sweepDue.get() || wokenWhileDraining.getAndSet(false)) {
                drain();
            }
        }, failure -> {
            draining.set(false);
            long now = System.currentTimeMillis();
            if (now - lastWarning > 10_000) {
                lastWarning = now;
                LOG.warnf("outbox relay paused, rows wait in the outbox until the next try: %s", failure.toString());
            }
        });
    }

    private Uni<Integer> relayBatch(String select, Object selector) {
        return pool.withTransaction(tx -> tx
                .preparedQuery(select)
                .execute(Tuple.of(selector, settings.outbox().batchSize()))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(0);
                    }
                    List<Long> ids = new ArrayList<>();
                    List<Uni<Void>> sends = new ArrayList<>();
                    for (Row row : rows) {
                        ids.add(row.getLong("id"));
                        sends.add(send(row));
                    }
                    return Uni.join().all(sends).andFailFast()
                            .ifNoItem().after(settings.outbox().sendTimeout()).fail()
                            .chain(() -> delete(tx, ids))
                            .invoke(() -> count(rows))
                            .replaceWith(ids.size());
                }));
    }

    private Uni<Void> send(Row row) {
        String deadLetterReason = row.getString("dead_letter_reason");
        // A dead letter says why, in the header SmallRye's own dead-letter strategy uses.
        Message<String> message = EventRecords.of(row.getString("payload"), row.getString("topic"), row.getString("key"),
                deadLetterReason == null ? Map.of() : Map.of("dead-letter-reason", deadLetterReason,
                        "dead-letter-topic", io.scalemesh.events.Topics.TASK_REQUESTED));
        String traceparent = row.getString("traceparent");
        if (traceparent != null) {
            // The produce span continues the trace of the request that wrote the row.
            Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent, TRACEPARENT);
            message = message.addMetadata(TracingMetadata.withCurrent(parent)); // the sink parents its span on the "current" context
        }
        Message<String> toSend = message;
        return Uni.createFrom().deferred(() -> emitter.sendMessage(toSend));
    }

    private static Uni<Void> delete(SqlConnection tx, List<Long> ids) {
        return tx.preparedQuery("DELETE FROM outbox WHERE id = ANY($1)").execute(Tuple.of(ids.toArray(new Long[0]))).replaceWithVoid();
    }

    private void count(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        Map<String, Integer> perTopic = new java.util.HashMap<>();
        rows.forEach(row -> perTopic.merge(row.getString("topic"), 1, Integer::sum));
        perTopic.forEach((topic, n) -> registry.counter("scalemesh.events.published", "service", "task-service", "topic", topic).increment(n));
    }
}
