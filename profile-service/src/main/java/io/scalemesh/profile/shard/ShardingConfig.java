package io.scalemesh.profile.shard;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;


/** The physical PostgreSQL servers and which logical shards each holds ({@code mesh.profile.db}, in ProfileSettings). */
public interface ShardingConfig {

    /** Logical shards. Fixed for the life of the data: changing it re-hashes every user. */
    int shards();

    /**
     * The servers in use, by name: only these of {@link #servers()} count, so a deployment with
     * fewer servers than the built-in defaults names just its own.
     */
    List<String> serverNames();

    /** Server name (used in consistency tokens and metrics) → its endpoints and shards. */
    Map<String, Server> servers();

    /** Connections per pool (each primary and each replica has its own pool). */
    int poolSize();

    /** Requests that may wait for a connection before a read or write is refused at once. */
    int maxWaitQueue();

    /** How long a replica that failed a query is left out of the rotation. */
    Duration replicaDownFor();

    /** Timeout of one query, so a hung server fails a request instead of holding it. */
    Duration queryTimeout();

    /** How often each replica's lag behind its primary is measured (scalemesh_profile_replica_lag_bytes). */
    Duration replicaLagRefresh();

    interface Server {
        /** postgresql://host:port/database of the primary: all writes, and reads no replica can serve. */
        String primary();

        /** The streaming replicas, read round-robin. */
        Optional<List<String>> replicas();

        /** The logical shards held here: ranges ("0-31") or single shards, comma-separated. */
        List<String> shards();
    }
}
