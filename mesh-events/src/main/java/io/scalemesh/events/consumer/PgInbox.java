package io.scalemesh.events.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The transactional inbox: an event's id is recorded in the same statement as its effect, so a
 * redelivered event finds its id and changes nothing, and a crash before commit leaves neither.
 * That turns Kafka's at-least-once delivery into an exactly-once effect.
 *
 * <p>A whole batch is one statement, so one round trip and one commit: a data-modifying CTE
 * {@code fresh} inserts every id not seen before, and the effect, written as the rest of the same
 * statement, applies itself only to those ids. A single statement is atomic on its own.
 *
 * <p>Ids are kept for {@link #purge the retention window}, the dedup horizon: an event redelivered
 * later than that is not recognised by the inbox (keep it at least the topics' retention).
 *
 * <p>The table comes from Flyway: {@code db/inbox} in this module, listed in the service's
 * {@code quarkus.flyway.locations} (see {@code scalemesh/postgres-flyway.properties}).
 */
public final class PgInbox {

    private static final Logger LOG = Logger.getLogger(PgInbox.class);

    /** Rows one purge statement deletes at most, so it never holds many locks or a long transaction. */
    static final int PURGE_CHUNK = 10_000;

    private final Pool pool;
    private final String consumer;

    /** @param consumer who consumes (one inbox table serves several consumers of a service) */
    public PgInbox(Pool pool, String consumer) {
        this.pool = pool;
        this.consumer = consumer;
    }

    /**
     * Runs one statement: {@code WITH fresh AS (insert of the ids not seen before) <effect>}.
     * {@code effect} goes on from there, e.g. {@code , made AS (INSERT ... SELECT ... WHERE event_id
     * IN (SELECT event_id FROM fresh) RETURNING event_id) SELECT event_id FROM made}; its parameters
     * are {@code args}, numbered from {@code $3}, and it answers one row per event it applied, with
     * an {@code event_id} column. Two instances racing on the same ids serialise on the primary key:
     * the second waits, then sees the first's rows.
     *
     * @return the ids of the events applied now
     */
    public Uni<Set<String>> onceEach(List<String> eventIds, String effect, List<Object> args) {
        List<Object> all = new ArrayList<>(args.size() + 2);
        all.add(consumer);
        all.add(eventIds.toArray(String[]::new));
        all.addAll(args);
        String sql = "WITH fresh AS (INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::text[])"
                + " ON CONFLICT DO NOTHING RETURNING event_id) " + effect;
        return pool.preparedQuery(sql).execute(Tuple.tuple(all)).map(rows -> {
            Set<String> applied = new HashSet<>();
            for (Row row : rows) {
                applied.add(row.getString("event_id"));
            }
            return applied;
        });
    }

    /**
     * Purges every {@code every} (the first time after one period) for as long as the application
     * runs; several instances doing so at once only share the work.
     */
    public static void purgeEvery(Vertx vertx, Pool pool, Duration window, Duration every) {
        vertx.setPeriodic(every.toMillis(), timer -> purge(pool, window).subscribe().with(
                purged -> LOG.debugf("inbox: %d ids older than %s forgotten", purged, window),
                failure -> LOG.warnf("inbox: purging ids older than %s failed, next try in %s (%s)", window, every, failure.toString())));
    }

    /**
     * Forgets the ids processed longer ago than {@code window}, a chunk per statement, and answers
     * how many went. Every consumer of the table shares the window.
     */
    public static Uni<Long> purge(Pool pool, Duration window) {
        return pool.preparedQuery("DELETE FROM inbox WHERE ctid = ANY (ARRAY(SELECT ctid FROM inbox"
                        + " WHERE processed_at < now() - make_interval(secs => $1) LIMIT " + PURGE_CHUNK + "))")
                .execute(Tuple.of((double) window.toSeconds()))
                .chain(deleted -> deleted.rowCount() < PURGE_CHUNK ? Uni.createFrom().item((long) deleted.rowCount())
                        : purge(pool, window).map(more -> more + deleted.rowCount()));
    }
}
