package io.scalemesh.profile.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scalemesh.profile.ProfileSettings;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisAPI;

/** With Redis unreachable (nothing listens on the port), invalidations are owed, up to the cap. */
class OwedInvalidationsTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    @Test
    void invalidationsAreOwedUpToTheCapAndTheRestAreCounted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisAPI unreachable = RedisAPI.api(Redis.createClient(vertx, "redis://127.0.0.1:1"));
        ProfileCache cache = new ProfileCache(unreachable, registry, vertx, new CacheSettings(2));
        for (String user : new String[] {"u1", "u2", "u3"}) {
            cache.invalidate(user, 2, "write").await().atMost(Duration.ofSeconds(5));
        }
        cache.invalidate("u1", 3, "write").await().atMost(Duration.ofSeconds(5)); // a newer debt of a user already owed
        assertEquals(2, registry.get("scalemesh.cache.owed.invalidations").gauge().value(), "u1 and u2 are owed");
        assertEquals(1, registry.get("scalemesh.cache.owed.dropped").counter().count(), "u3 was past the cap");
        assertEquals(4, registry.get("scalemesh.cache.errors").counter().count(), "every call failed and was counted");
    }

    /** The cache's settings with room for {@code maxOwed} owed invalidations, Redis never paused. */
    private record CacheSettings(int maxOwedInvalidations) implements ProfileSettings.Cache {
        public Duration ttl() {
            return Duration.ofSeconds(300);
        }

        public double ttlJitter() {
            return 0.1;
        }

        public Duration localTtl() {
            return Duration.ofSeconds(30);
        }

        public long localMaxEntries() {
            return 100;
        }

        public Duration tombstoneTtl() {
            return Duration.ofSeconds(60);
        }

        public Duration redisTimeout() {
            return Duration.ofMillis(250);
        }

        public Duration redisPause() {
            return Duration.ZERO;
        }
    }
}
