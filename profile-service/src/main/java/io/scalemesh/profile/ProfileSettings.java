package io.scalemesh.profile;

import java.time.Duration;

import io.scalemesh.profile.shard.ShardingConfig;
import io.smallrye.config.ConfigMapping;

/**
 * profile-service's settings ({@code mesh.profile.*}), read once and checked at start: a missing or
 * mistyped value stops the service. Their values, and why each is what it is, live in
 * application.properties, never here.
 */
@ConfigMapping(prefix = "mesh.profile")
public interface ProfileSettings {

    /** This instance's name: its own consumer group for cache invalidations. */
    String instanceId();

    /** How long a write waits for the broker's ack of its profile.changed before it answers 503 and rolls back. */
    Duration publishTimeout();

    /** The shard servers, their replicas and pools. */
    ShardingConfig db();

    Cache cache();

    /** Cache-aside: Redis, and each instance's own tier in front of it. */
    interface Cache {
        Duration ttl();

        /** ± this fraction of ttl, so entries written together do not expire together. */
        double ttlJitter();

        Duration localTtl();

        long localMaxEntries();

        /** How long an invalidation's tombstone outlives any read that could race it. */
        Duration tombstoneTtl();

        /** Past this a Redis call counts as a miss. */
        Duration redisTimeout();

        /** After a Redis timeout, Redis is skipped this long. */
        Duration redisPause();

        /** Invalidations kept for Redis while it is away, at most. */
        int maxOwedInvalidations();
    }
}
