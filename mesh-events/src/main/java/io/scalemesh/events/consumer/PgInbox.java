package io.scalemesh.events.consumer;

import java.util.function.Function;

import io.scalemesh.events.pg.SchemaMigrator;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The transactional inbox: an event's id is recorded in the same transaction as its effect, so a
 * redelivered event finds its id and changes nothing, and a crash before commit leaves neither.
 * That turns Kafka's at-least-once delivery into an exactly-once effect.
 */
public final class PgInbox {

    /** The inbox table; a service adds it to its migrations. */
    public static final SchemaMigrator.Migration MIGRATION = new SchemaMigrator.Migration("mesh-events.inbox", 1,
            "inbox of processed event ids",
            "CREATE TABLE IF NOT EXISTS inbox ("
                    + " consumer text NOT NULL,"
                    + " event_id text NOT NULL,"
                    + " processed_at timestamptz NOT NULL DEFAULT now(),"
                    + " PRIMARY KEY (consumer, event_id));"
                    + " CREATE INDEX IF NOT EXISTS inbox_processed_at ON inbox (processed_at);");

    private final Pool pool;
    private final String consumer;

    /** @param consumer who consumes (one inbox table serves several consumers of a service) */
    public PgInbox(Pool pool, String consumer) {
        this.pool = pool;
        this.consumer = consumer;
    }

    /**
     * Runs {@code effect} in a transaction that first records the event id. Returns true when the
     * effect ran, false when the id was already there (a duplicate). Two instances racing on the
     * same id serialise on the primary key: the second waits, then sees the first's row.
     */
    public Uni<Boolean> once(String eventId, Function<SqlConnection, Uni<?>> effect) {
        return pool.withTransaction(tx -> tx
                .preparedQuery("INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(consumer, eventId))
                .chain(inserted -> inserted.rowCount() == 1
                        ? effect.apply(tx).replaceWith(Boolean.TRUE)
                        : Uni.createFrom().item(Boolean.FALSE)));
    }
}
