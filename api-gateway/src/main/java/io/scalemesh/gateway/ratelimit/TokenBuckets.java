package io.scalemesh.gateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.scalemesh.events.redis.LuaScript;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.RedisAPI;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Token buckets in Redis, so every gateway instance draws from the same bucket. One Lua script
 * refills and takes a token atomically, on Redis's own clock (gateways' clocks may differ); it is
 * called by its SHA, so a request sends a few dozen bytes, not the script.
 *
 * <p>Policy when Redis is unreachable: each gateway instance falls back to a bucket of its own
 * with the same limits. The mesh keeps serving (never a 5xx for this); the limit is then per
 * instance, so with N gateways a caller may get up to N times the rate until Redis returns.
 */
@ApplicationScoped
public class TokenBuckets {

    private static final Logger LOG = Logger.getLogger(TokenBuckets.class);

    /**
     * allowed (0/1), tokens left, ms until the next take of this cost could pass, ms until the
     * bucket is full. A take of {@code cost} tokens passes when the bucket holds that many (or is
     * full, for a cost above capacity) and may leave it in debt, which the refill pays back before
     * anything else passes: a batch of N is N requests' worth, however large N is.
     */
    static final LuaScript SCRIPT = new LuaScript(String.join("\n",
            "local capacity = tonumber(ARGV[1])",
            "local rate = tonumber(ARGV[2])",
            "local cost = tonumber(ARGV[3])",
            "local need = math.min(cost, capacity)",
            "local t = redis.call('TIME')",
            "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
            "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')",
            "local tokens = tonumber(b[1]) or capacity",
            "local ts = tonumber(b[2]) or now",
            "tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)",
            "local allowed = 0",
            "if tokens >= need then tokens = tokens - cost; allowed = 1 end",
            "redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))",
            "redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)",
            "local retry = 0",
            "if allowed == 0 then retry = math.ceil((need - tokens) / rate) end",
            "return {allowed, math.max(0, math.floor(tokens)), retry, math.ceil((capacity - tokens) / rate)}"));

    /** The outcome of taking tokens. */
    public record Decision(boolean allowed, long remaining, Duration retryAfter, Duration reset, boolean local) {
    }

    @Inject
    RedisAPI redis;

    private final Map<String, LocalBucket> local = new ConcurrentHashMap<>();

    public Uni<Decision> take(String key, RateLimits.Bucket bucket) {
        return take(key, bucket, 1);
    }

    /** Takes {@code cost} tokens at once (a batch of that many actions), or none. */
    public Uni<Decision> take(String key, RateLimits.Bucket bucket, int cost) {
        double perMilli = bucket.refillPerSecond() / 1000.0;
        return SCRIPT.run(redis, List.of("gateway:rl:" + key),
                        List.of(Integer.toString(bucket.capacity()), Double.toString(perMilli), Integer.toString(cost)))
                .map(reply -> new Decision(reply.get(0).toLong() == 1L, reply.get(1).toLong(),
                        Duration.ofMillis(reply.get(2).toLong()), Duration.ofMillis(reply.get(3).toLong()), false))
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("rate limit store unreachable (%s): limiting per instance", failure.toString());
                    return local.computeIfAbsent(key, k -> new LocalBucket()).take(bucket, cost);
                });
    }

    /** The same bucket arithmetic, in this JVM only. */
    static final class LocalBucket {
        private double tokens;
        private long stamp;
        private boolean started; // before the first take the bucket is full

        synchronized Decision take(RateLimits.Bucket bucket, int cost) {
            long now = System.nanoTime() / 1_000_000;
            double perMilli = bucket.refillPerSecond() / 1000.0;
            double need = Math.min(cost, bucket.capacity());
            tokens = !started ? bucket.capacity() : Math.min(bucket.capacity(), tokens + Math.max(0, now - stamp) * perMilli);
            stamp = now;
            started = true;
            boolean allowed = tokens >= need;
            if (allowed) {
                tokens -= cost;
            }
            long retry = allowed ? 0 : (long) Math.ceil((need - tokens) / perMilli);
            return new Decision(allowed, (long) Math.max(0, Math.floor(tokens)), Duration.ofMillis(retry),
                    Duration.ofMillis((long) Math.ceil((bucket.capacity() - tokens) / perMilli)), true);
        }
    }
}
