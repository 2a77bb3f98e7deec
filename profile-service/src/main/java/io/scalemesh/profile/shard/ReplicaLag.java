package io.scalemesh.profile.shard;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.scalemesh.profile.ProfileSettings;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * How far each replica is behind its primary, in bytes of WAL not yet replayed, and whether its
 * replay is paused; and how many shards each server holds. Measured every
 * {@code replica-lag-refresh}: the primary's current LSN, then on the replica the difference to
 * what it has replayed. -1 while a server does not answer. For dashboards and the pattern lab.
 */
@ApplicationScoped
public class ReplicaLag {

    @Inject
    ShardServers servers;

    @Inject
    ProfileSettings settings;

    @Inject
    MeterRegistry registry;

    @Inject
    Vertx vertx;

    private final Map<String, AtomicLong> lagBytes = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> paused = new ConcurrentHashMap<>();

    void start(@Observes StartupEvent event) {
        servers.servers().forEach((name, server) -> {
            Gauge.builder("scalemesh.profile.shards", () -> servers.map().shardsOn(name).size()).tag("server", name)
                    .description("Shards this PostgreSQL server holds").register(registry);
            for (ShardServers.Replica replica : server.replicas()) {
                String key = name + "|" + replica.address();
                Gauge.builder("scalemesh.profile.replica.lag.bytes", lagBytes.computeIfAbsent(key, k -> new AtomicLong(-1)), AtomicLong::get)
                        .tags("server", name, "replica", replica.address()).baseUnit("bytes")
                        .description("WAL the replica has not replayed yet (-1: unknown)").register(registry);
                Gauge.builder("scalemesh.profile.replica.replay.paused", paused.computeIfAbsent(key, k -> new AtomicLong(-1)), AtomicLong::get)
                        .tags("server", name, "replica", replica.address())
                        .description("1 while the replica's WAL replay is paused (-1: unknown)").register(registry);
            }
        });
        vertx.setPeriodic(settings.db().replicaLagRefresh().toMillis(), id -> measure().subscribe().with(done -> { }, failure -> { }));
    }

    private Uni<Void> measure() {
        List<Uni<Void>> each = servers.servers().entrySet().stream().flatMap(entry -> entry.getValue().replicas().stream()
                .map(replica -> measure(entry.getKey(), entry.getValue(), replica))).toList();
        return each.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(each).andCollectFailures().replaceWithVoid()
                .onFailure().recoverWithNull();
    }

    private Uni<Void> measure(String name, ShardServers.Server server, ShardServers.Replica replica) {
        String key = name + "|" + replica.address();
        return server.primary().query("SELECT pg_current_wal_lsn()::text").execute()
                .map(rows -> rows.iterator().next().getString(0))
                .chain(primaryLsn -> replica.pool().query("SELECT pg_wal_lsn_diff('" + primaryLsn.replaceAll("[^0-9A-Fa-f/]", "")
                        + "'::pg_lsn, pg_last_wal_replay_lsn())::bigint, pg_is_wal_replay_paused()").execute())
                .ifNoItem().after(settings.db().queryTimeout()).fail()
                .invoke(rows -> {
                    var row = rows.iterator().next();
                    lagBytes.get(key).set(Math.max(0, row.getLong(0)));
                    paused.get(key).set(row.getBoolean(1) ? 1 : 0);
                })
                .onFailure().invoke(() -> {
                    lagBytes.get(key).set(-1);
                    paused.get(key).set(-1);
                })
                .replaceWithVoid();
    }
}
