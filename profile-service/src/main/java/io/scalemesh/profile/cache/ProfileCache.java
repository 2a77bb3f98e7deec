package io.scalemesh.profile.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.scalemesh.events.redis.LuaScript;
import io.scalemesh.profile.ProfileSettings;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.RedisAPI;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Cache-aside for profiles in two tiers: a small in-process cache (microseconds, this instance
 * only) in front of Redis (shared by every instance), both with TTLs, in front of PostgreSQL.
 *
 * <ul>
 * <li>A miss reads the database once per instance however many requests want the key at once
 *     (single flight), then fills both tiers; Redis TTLs get jitter so keys filled together do not
 *     expire together.</li>
 * <li>An invalidation leaves a <em>tombstone</em> holding the newest version, instead of deleting:
 *     a fill carrying an older version (a read that raced the write, or a lagging replica) is then
 *     refused, so a stale document can never be cached after the invalidation that outdated it.</li>
 * <li>Redis is optional: an error or a slow answer counts as a miss and Redis is skipped for a
 *     moment, so reads go to PostgreSQL and nothing fails. Invalidations that could not reach
 *     Redis are owed, and applied as soon as it answers again: a Redis that kept its data through
 *     a network outage never serves what was written meanwhile.</li>
 * </ul>
 *
 * <p>What is cached is the profile document exactly as its owner reads it, keyed by user id, and
 * only ever served after the same ownership check as a database read. No token, request header or
 * consistency token is ever cached.
 *
 * <p>Metrics: {@code scalemesh_cache_hits_total{tier}}, {@code _misses_total},
 * {@code _invalidations_total{source}}, {@code _errors_total}, all tagged {@code cache=profile}.
 */
@ApplicationScoped
public class ProfileCache {

    private static final Logger LOG = Logger.getLogger(ProfileCache.class);
    static final String PREFIX = "profile:v1:";

    /** A cached document with its version; a null document is a tombstone ("nothing older than version"). */
    public record Entry(long version, String json) {
        boolean tombstone() {
            return json == null;
        }
    }

    /** Sets the entry unless the key holds the same or a newer version, or a tombstone newer than it. */
    static final LuaScript FILL = new LuaScript(String.join("\n",
            "local cur = redis.call('GET', KEYS[1])",
            "if cur then",
            "  local bar = string.find(cur, '|', 1, true)",
            "  local v = tonumber(string.sub(cur, 1, bar - 1))",
            "  local new = tonumber(ARGV[1])",
            "  if bar == #cur then if new < v then return 0 end elseif new <= v then return 0 end",
            "end",
            "redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])",
            "return 1"));

    /** Replaces whatever is older than the version with a tombstone of that version. */
    static final LuaScript INVALIDATE = new LuaScript(String.join("\n",
            "local cur = redis.call('GET', KEYS[1])",
            "if cur then",
            "  local bar = string.find(cur, '|', 1, true)",
            "  if tonumber(string.sub(cur, 1, bar - 1)) >= tonumber(ARGV[1]) then return 0 end",
            "end",
            "redis.call('SET', KEYS[1], ARGV[1] .. '|', 'PX', ARGV[2])",
            "return 1"));

    private final RedisAPI redis;
    private final MeterRegistry registry;
    private final Duration ttl;
    private final double jitter;
    private final Duration tombstoneTtl;
    private final Duration redisTimeout;
    private final Duration redisPause;
    private final Cache<String, Entry> local;
    private final Map<String, Uni<Entry>> flights = new ConcurrentHashMap<>();
    /** Invalidations Redis has not had yet: user → the tombstone's version. */
    private final Map<String, Long> owed = new ConcurrentHashMap<>();
    /** Past this many, a long outage's further invalidations fall back to the entries' TTL (memory stays bounded). */
    private final int maxOwed;
    private final Vertx vertx;
    private long owedTimer = -1;
    private final Counter localHits;
    private final Counter redisHits;
    private final Counter misses;
    private final Counter errors;
    private volatile long redisSkippedUntil = System.nanoTime();
    private volatile long lastWarning;

    @Inject
    public ProfileCache(RedisAPI redis, MeterRegistry registry, Vertx vertx, ProfileSettings settings) {
        this(redis, registry, vertx, settings.cache());
    }

    ProfileCache(RedisAPI redis, MeterRegistry registry, Vertx vertx, ProfileSettings.Cache cache) {
        this.redis = redis;
        this.registry = registry;
        this.vertx = vertx;
        this.ttl = cache.ttl();
        this.jitter = cache.ttlJitter();
        this.tombstoneTtl = cache.tombstoneTtl();
        this.redisTimeout = cache.redisTimeout();
        this.redisPause = cache.redisPause();
        this.maxOwed = cache.maxOwedInvalidations();
        this.local = Caffeine.newBuilder().maximumSize(cache.localMaxEntries()).expireAfterWrite(cache.localTtl()).build();
        this.localHits = counter("scalemesh.cache.hits", "tier", "local");
        this.redisHits = counter("scalemesh.cache.hits", "tier", "redis");
        this.misses = counter("scalemesh.cache.misses");
        this.errors = counter("scalemesh.cache.errors");
        registry.gauge("scalemesh.cache.owed.invalidations", List.of(io.micrometer.core.instrument.Tag.of("service", "profile-service"),
                io.micrometer.core.instrument.Tag.of("cache", "profile")), owed, Map::size);
    }

    void start(@Observes StartupEvent startup) {
        owedTimer = vertx.setPeriodic(redisPause.toMillis(), ignored -> payOwed());
    }

    void stop(@Observes ShutdownEvent shutdown) {
        vertx.cancelTimer(owedTimer);
    }

    /**
     * The user's document from the cache, or from {@code loader} (which answers null for no
     * profile; absence is not cached). Requests that miss together share one load.
     */
    public Uni<Entry> get(String userId, Supplier<Uni<Entry>> loader) {
        Entry near = local.getIfPresent(userId);
        if (near != null && !near.tombstone()) {
            localHits.increment();
            return Uni.createFrom().item(near);
        }
        long newest = near == null ? 0 : near.version();
        Uni<Entry>[] mine = new Uni[1];
        Uni<Entry> flight = flights.computeIfAbsent(userId, key -> {
            mine[0] = fromRedis(key)
                    .chain(shared -> {
                        // An entry older than what this instance knows was written is stale: a miss.
                        if (shared != null && shared.version() >= newest) {
                            redisHits.increment();
                            fillLocal(key, shared);
                            return Uni.createFrom().item(shared);
                        }
                        misses.increment();
                        return loader.get().call(loaded -> loaded == null ? Uni.createFrom().voidItem() : fill(key, loaded));
                    })
                    .onTermination().invoke(() -> flights.remove(key, mine[0]))
                    .memoize().indefinitely();
            return mine[0];
        });
        return flight;
    }

    /**
     * Drops what either tier holds for the user older than {@code minVersion}, leaving a tombstone.
     * Never fails: without Redis only this instance's tier is cleared, and Redis entries end with
     * their TTL (or with the next event for the user, which every instance applies).
     */
    public Uni<Void> invalidate(String userId, long minVersion, String source) {
        local.asMap().compute(userId, (key, cur) -> cur != null && cur.version() >= minVersion ? cur : new Entry(minVersion, null));
        counter("scalemesh.cache.invalidations", "source", source).increment();
        return invalidateInRedis(userId, minVersion);
    }

    private Uni<Void> invalidateInRedis(String userId, long minVersion) {
        return redisCall(() -> INVALIDATE.run(redis, List.of(PREFIX + userId), List.of(Long.toString(minVersion),
                Long.toString(tombstoneTtl.toMillis()))))
                .invoke(applied -> {
                    if (applied == null) {
                        if (owed.size() < maxOwed || owed.containsKey(userId)) {
                            owed.merge(userId, minVersion, Math::max);
                        } else {
                            counter("scalemesh.cache.owed.dropped").increment();
                            LOG.warnf("%d invalidations already wait for Redis; %s's will end with its Redis TTL", maxOwed, userId);
                        }
                    } else {
                        owed.remove(userId, minVersion);
                    }
                })
                .replaceWithVoid();
    }

    /** Applies the owed invalidations once Redis is back (one at a time; it stops at the first failure). */
    private void payOwed() {
        if (owed.isEmpty() || !redisAvailable()) {
            return;
        }
        Multi.createFrom().iterable(List.copyOf(owed.entrySet()))
                .onItem().transformToUniAndConcatenate(debt -> redisAvailable() ? invalidateInRedis(debt.getKey(), debt.getValue())
                        : Uni.createFrom().voidItem())
                .collect().last()
                .subscribe().with(done -> LOG.debugf("owed invalidations left: %d", owed.size()), failure -> { });
    }

    /** Whether Redis answered the last call (for the readiness report); false while it is skipped. */
    public boolean redisAvailable() {
        return System.nanoTime() - redisSkippedUntil >= 0;
    }

    public Uni<Boolean> ping() {
        return redis.ping(List.of()).ifNoItem().after(redisTimeout).fail().map(r -> true).onFailure().recoverWithItem(false);
    }

    private Uni<Entry> fromRedis(String userId) {
        return redisCall(() -> redis.get(PREFIX + userId)).map(ProfileCache::parse);
    }

    private Uni<Void> fill(String userId, Entry entry) {
        fillLocal(userId, entry);
        long jittered = (long) (ttl.toMillis() * (1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1)));
        return redisCall(() -> FILL.run(redis, List.of(PREFIX + userId), List.of(Long.toString(entry.version()), entry.json(),
                Long.toString(Math.max(jittered, 1))))).replaceWithVoid();
    }

    private void fillLocal(String userId, Entry entry) {
        local.asMap().compute(userId, (key, cur) -> cur == null
                || (cur.tombstone() ? entry.version() >= cur.version() : entry.version() > cur.version()) ? entry : cur);
    }

    /** One Redis call, bounded in time; a failure is logged, counted and answered as null. */
    private Uni<Response> redisCall(Supplier<Uni<Response>> call) {
        if (!redisAvailable()) {
            return Uni.createFrom().nullItem();
        }
        return Uni.createFrom().deferred(() -> call.get()).ifNoItem().after(redisTimeout).fail()
                .onFailure().recoverWithItem(failure -> {
                    errors.increment();
                    redisSkippedUntil = System.nanoTime() + redisPause.toNanos();
                    long now = System.currentTimeMillis();
                    if (now - lastWarning > 10_000) {
                        lastWarning = now;
                        LOG.warnf("Redis unavailable (%s): profiles are read from PostgreSQL meanwhile", failure.toString());
                    }
                    return null;
                });
    }

    static Entry parse(Response value) {
        if (value == null) {
            return null;
        }
        String text = value.toString();
        int bar = text.indexOf('|');
        if (bar < 0 || bar == text.length() - 1) {
            return null; // a tombstone: a miss, and the fill will be checked against it
        }
        return new Entry(Long.parseLong(text.substring(0, bar)), text.substring(bar + 1));
    }

    private Counter counter(String name, String... tags) {
        String[] all = new String[tags.length + 4];
        all[0] = "service";
        all[1] = "profile-service";
        all[2] = "cache";
        all[3] = "profile";
        System.arraycopy(tags, 0, all, 4, tags.length);
        return registry.counter(name, all);
    }
}
