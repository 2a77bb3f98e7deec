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
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Publishes the outbox to Kafka: locks a batch of rows ({@code SKIP LOCKED}, so every instance's
 * relay can work at once without sending a row twice at the same time), sends them, waits for the
 * broker's acks, deletes them, commits. A crash between the acks and the commit sends the batch
 * again; consumers deduplicate by event id, so that is harmless. A commit wakes the relays through
 * LISTEN/NOTIFY; a poll every {@code mesh.task.outbox.poll-interval} covers a missed wake-up.
 * While Kafka is down rows wait in the outbox and tasks are still accepted.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    public static final String CHANNEL = "task_outbox";
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

    @ConfigProperty(name = "mesh.task.outbox.batch-size", defaultValue = "500")
    int batchSize;

    @ConfigProperty(name = "mesh.task.outbox.poll-interval", defaultValue = "1s")
    Duration pollInterval;

    @ConfigProperty(name = "mesh.task.outbox.send-timeout", defaultValue = "10s")
    Duration sendTimeout;

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    String user;

    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean wokenWhileDraining = new AtomicBoolean();
    private PgSubscriber subscriber;
    private long timer = -1;
    private volatile boolean stopped;
    private volatile long lastWarning;

    void start(@Observes @Priority(1100) StartupEvent startup) { // after messaging is wired (1000)
        PgConnectOptions options = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", "")).setUser(user).setPassword(password);
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 1_000L);
        subscriber.channel(CHANNEL).handler(ignored -> drain());
        subscriber.connect().subscribe().with(ok -> drain(),
                failure -> LOG.warnf("cannot LISTEN for outbox rows yet (%s); polling meanwhile", failure.getMessage()));
        timer = vertx.setPeriodic(pollInterval.toMillis(), ignored -> drain());
    }

    void stop(@Observes ShutdownEvent shutdown) {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (subscriber != null) {
            subscriber.closeAndAwait();
        }
    }

    /** Relays until the outbox is empty; a wake-up during a drain makes it go round once more. */
    public void drain() {
        if (stopped) {
            return;
        }
        if (!draining.compareAndSet(false, true)) {
            wokenWhileDraining.set(true);
            return;
        }
        wokenWhileDraining.set(false);
        relayBatch().subscribe().with(sent -> {
            draining.set(false);
            if (sent == batchSize || wokenWhileDraining.getAndSet(false)) {
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

    private Uni<Integer> relayBatch() {
        return pool.withTransaction(tx -> tx
                .preparedQuery("SELECT id, topic, key, payload, traceparent, dead_letter_reason FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED")
                .execute(Tuple.of(batchSize))
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
                            .ifNoItem().after(sendTimeout).fail()
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
