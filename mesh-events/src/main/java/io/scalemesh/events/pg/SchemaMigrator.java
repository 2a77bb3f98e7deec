package io.scalemesh.events.pg;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Versioned schema migrations over the reactive client: each script runs once per database, in
 * order, recorded in {@code schema_migrations}. Instances starting together serialise on an
 * advisory lock, so exactly one applies a script. It needs no JDBC driver and runs against any
 * pool, which the sharded profile store relies on (one migration run per shard server).
 */
public final class SchemaMigrator {

    /** One script. Versions are per track; a track is one owner's sequence (a service, the inbox). */
    public record Migration(String track, int version, String description, String sql) {

        public static Migration resource(String track, int version, String description, String resource) {
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("no migration script on the classpath at " + resource);
                }
                return new Migration(track, version, description, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final long LOCK_KEY = 0x5ca1e3e5L;

    private SchemaMigrator() {
    }

    /** Applies what is missing; returns how many scripts ran. */
    public static Uni<Integer> migrate(Pool pool, List<Migration> migrations) {
        return pool.withTransaction(tx -> tx.query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")").execute()
                .chain(() -> tx.query("CREATE TABLE IF NOT EXISTS schema_migrations ("
                        + " track text NOT NULL, version int NOT NULL, description text NOT NULL,"
                        + " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (track, version))").execute())
                .chain(() -> Multi.createFrom().iterable(migrations)
                        .onItem().transformToUniAndConcatenate(m -> applyIfMissing(tx, m))
                        .collect().asList())
                .map(applied -> (int) applied.stream().filter(Boolean::booleanValue).count()));
    }

    private static Uni<Boolean> applyIfMissing(SqlConnection tx, Migration migration) {
        return tx.preparedQuery("SELECT 1 FROM schema_migrations WHERE track = $1 AND version = $2")
                .execute(Tuple.of(migration.track(), migration.version()))
                .chain(rows -> {
                    if (rows.iterator().hasNext()) {
                        return Uni.createFrom().item(false);
                    }
                    // The simple-query protocol runs a script of several statements in one go.
                    return tx.query(migration.sql()).execute()
                            .chain(() -> tx.preparedQuery("INSERT INTO schema_migrations (track, version, description) VALUES ($1, $2, $3)")
                                    .execute(Tuple.of(migration.track(), migration.version(), migration.description())))
                            .replaceWith(true);
                });
    }
}
