package io.scalemesh.profile.shard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.scalemesh.events.consumer.Failures;
import io.scalemesh.profile.ProfileSettings;
import io.smallrye.mutiny.Uni;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.PoolOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The physical PostgreSQL servers behind the logical shards: one pool per primary and per replica.
 * Writes go to the shard's primary. Reads go to its replicas round-robin; a replica that fails is
 * left out for {@code replica-down-for} and the read is served by the primary, so a replica outage
 * costs no request. A read with a consistency token is served by a replica only once it has
 * replayed past the token's WAL position.
 *
 * <p>Metric: {@code scalemesh_profile_db_reads_total{server, target=replica|primary, reason}}.
 */
@ApplicationScoped
public class ShardServers {

    private static final Logger LOG = Logger.getLogger(ShardServers.class);

    /** One server's pools. */
    public static final class Server {
        final String name;
        final Pool primary;
        final List<Replica> replicas;
        final AtomicInteger cursor = new AtomicInteger();

        Server(String name, Pool primary, List<Replica> replicas) {
            this.name = name;
            this.primary = primary;
            this.replicas = replicas;
        }

        public String name() {
            return name;
        }

        public Pool primary() {
            return primary;
        }

        public List<Replica> replicas() {
            return replicas;
        }
    }

    /** One replica's pool and its passive health. */
    public static final class Replica {
        final String address;
        final Pool pool;
        volatile long downUntil;

        Replica(String address, Pool pool) {
            this.address = address;
            this.pool = pool;
        }

        public String address() {
            return address;
        }

        public Pool pool() {
            return pool;
        }

        public boolean healthy() {
            return System.nanoTime() - downUntil >= 0;
        }
    }

    /** How every pool reaches its server: the login, and TLS as the Quarkus datasource settings say. */
    private record Connect(String user, String password, String applicationName, SslMode sslMode, List<String> caCertificates) {

        PgConnectOptions options(String url) {
            PgConnectOptions connect = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", ""))
                    .setUser(user).setPassword(password).setCachePreparedStatements(true).setConnectTimeout(2_000);
            Map<String, String> properties = new LinkedHashMap<>(connect.getProperties());
            properties.put("application_name", applicationName);
            connect.setProperties(properties).setSslMode(sslMode);
            if (sslMode == SslMode.VERIFY_CA || sslMode == SslMode.VERIFY_FULL) {
                PemTrustOptions trust = new PemTrustOptions();
                caCertificates.forEach(trust::addCertPath);
                // verify-full: the certificate must also name the host connected to.
                connect.setPemTrustOptions(trust).setHostnameVerificationAlgorithm(sslMode == SslMode.VERIFY_FULL ? "HTTPS" : "");
            }
            return connect;
        }
    }

    private final ShardingConfig config;
    private final MeterRegistry registry;
    private final ShardMap map;
    private final Map<String, Server> servers = new LinkedHashMap<>();

    @Inject
    public ShardServers(ProfileSettings settings, Vertx vertx, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.datasource.username") String user,
            @ConfigProperty(name = "quarkus.datasource.password") String password,
            @ConfigProperty(name = "quarkus.application.name") String applicationName,
            @ConfigProperty(name = "quarkus.datasource.reactive.postgresql.ssl-mode", defaultValue = "disable") String sslMode,
            @ConfigProperty(name = "quarkus.datasource.reactive.trust-certificate-pem.certs") Optional<List<String>> caCertificates) {
        this.config = settings.db();
        Connect connect = new Connect(user, password, applicationName, SslMode.of(sslMode), caCertificates.orElse(List.of()));
        if ((connect.sslMode() == SslMode.VERIFY_CA || connect.sslMode() == SslMode.VERIFY_FULL) && connect.caCertificates().isEmpty()) {
            throw new IllegalArgumentException("ssl-mode " + sslMode
                    + " needs the CA to verify with: set quarkus.datasource.reactive.trust-certificate-pem.certs");
        }
        this.registry = registry;
        Map<String, ShardingConfig.Server> used = new LinkedHashMap<>();
        for (String name : config.serverNames()) {
            ShardingConfig.Server server = config.servers().get(name);
            if (server == null) {
                throw new IllegalArgumentException("mesh.profile.db.server-names names " + name
                        + ", but there is no mesh.profile.db.servers." + name + ".primary");
            }
            used.put(name, server);
        }
        Map<String, List<String>> ranges = new LinkedHashMap<>();
        used.forEach((name, server) -> ranges.put(name, server.shards()));
        this.map = ShardMap.of(config.shards(), ranges);
        used.forEach((name, server) -> {
            List<Replica> replicas = new ArrayList<>();
            for (String url : server.replicas().orElse(List.of())) {
                replicas.add(new Replica(url, pool(vertx, connect.options(url), name + "-replica")));
            }
            servers.put(name, new Server(name, pool(vertx, connect.options(server.primary()), name), List.copyOf(replicas)));
        });
    }

    private Pool pool(Vertx vertx, PgConnectOptions connect, String name) {
        PoolOptions pool = new PoolOptions().setMaxSize(config.poolSize()).setMaxWaitQueueSize(config.maxWaitQueue())
                .setName("profile-" + name).setShared(false);
        return Pool.newInstance(PgBuilder.pool().with(pool).connectingTo(connect).using(vertx.getDelegate()).build());
    }

    void close(@Observes ShutdownEvent shutdown) {
        servers.values().forEach(server -> {
            server.primary.closeAndForget();
            server.replicas.forEach(r -> r.pool.closeAndForget());
        });
    }

    public ShardMap map() {
        return map;
    }

    public Map<String, Server> servers() {
        return servers;
    }

    /** The server that holds a user's shard. */
    public Server serverFor(int shard) {
        Server server = servers.get(map.serverOf(shard));
        if (server == null) {
            throw new NoSuchElementException("no server " + map.serverOf(shard));
        }
        return server;
    }

    /** A write: one transaction on the shard's primary. */
    public <T> Uni<T> write(int shard, Function<SqlConnection, Uni<T>> work) {
        return serverFor(shard).primary.withTransaction(work).ifNoItem().after(config.queryTimeout()).fail();
    }

    /** The primary's WAL position now, as the token of a write that just committed there. */
    public Uni<ConsistencyToken> tokenAfterCommit(int shard) {
        Server server = serverFor(shard);
        return server.primary.query("SELECT pg_current_wal_insert_lsn()::text").execute()
                .map(rows -> new ConsistencyToken(server.name, rows.iterator().next().getString(0)));
    }

    /**
     * A read: a healthy replica (caught up with {@code token}, when there is one), else the primary.
     * Without a token, a replica may answer with data older than the newest write.
     */
    public <T> Uni<T> read(int shard, ConsistencyToken token, Function<SqlClient, Uni<T>> query) {
        Server server = serverFor(shard);
        if (token != null && !token.server().equals(server.name)) {
            // A token from another server (the shard moved since): only the primary is sure to have the write.
            return fromPrimary(server, "foreign-token", query);
        }
        Replica replica = nextHealthy(server);
        if (replica == null) {
            return fromPrimary(server, server.replicas.isEmpty() ? "no-replica" : "replicas-down", query);
        }
        Uni<Result<T>> attempt = token == null
                ? query.apply(replica.pool).map(Result::of)
                : replica.pool.withConnection(conn -> conn.preparedQuery("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
                        .execute(Tuple.of(token.lsn()))
                        // The replay check comes first: the read's snapshot, taken after it, holds the write.
                        .chain(rows -> Boolean.TRUE.equals(rows.iterator().next().getBoolean(0))
                                ? query.apply(conn).map(Result::of)
                                : Uni.createFrom().item(Result.<T>notCaughtUp())));
        return attempt.ifNoItem().after(config.queryTimeout()).fail()
                .onFailure(Failures::isOutage).recoverWithItem(failure -> {
                    replica.downUntil = System.nanoTime() + config.replicaDownFor().toNanos();
                    LOG.warnf("replica %s of %s failed (%s); reads go to the primary for %s", replica.address, server.name,
                            failure.toString(), config.replicaDownFor());
                    return Result.failed();
                })
                .chain(result -> {
                    if (result.served()) {
                        count(server, "replica", token == null ? "replica" : "caught-up");
                        return Uni.createFrom().item(result.value());
                    }
                    return fromPrimary(server, result.lagging() ? "replica-behind-token" : "replica-failed", query);
                });
    }

    private <T> Uni<T> fromPrimary(Server server, String reason, Function<SqlClient, Uni<T>> query) {
        count(server, "primary", reason);
        return query.apply(server.primary).ifNoItem().after(config.queryTimeout()).fail();
    }

    private static Replica nextHealthy(Server server) {
        int n = server.replicas.size();
        int start = Math.floorMod(server.cursor.getAndIncrement(), Math.max(n, 1));
        for (int i = 0; i < n; i++) {
            Replica candidate = server.replicas.get((start + i) % n);
            if (candidate.healthy()) {
                return candidate;
            }
        }
        return null;
    }

    private void count(Server server, String target, String reason) {
        registry.counter("scalemesh.profile.db.reads", "service", "profile-service", "server", server.name,
                "target", target, "reason", reason).increment();
    }

    /** What a replica attempt gave: a value, "behind the token", or a failure to fall back from. */
    private record Result<T>(T value, boolean served, boolean lagging) {
        static <T> Result<T> of(T value) {
            return new Result<>(value, true, false);
        }

        static <T> Result<T> notCaughtUp() {
            return new Result<>(null, false, true);
        }

        static <T> Result<T> failed() {
            return new Result<>(null, false, false);
        }
    }
}
