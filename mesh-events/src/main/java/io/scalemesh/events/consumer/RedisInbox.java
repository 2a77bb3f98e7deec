package io.scalemesh.events.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.RedisAPI;

/**
 * The Redis inbox: one Lua script sets the event's marker only if absent (with a TTL) and applies
 * the effect's commands in the same atomic step, so a redelivered event changes nothing and a
 * crash can never leave the marker without the effect or the effect without the marker.
 *
 * <p>The marker's TTL bounds how far back a replay is recognised; keep it at least the topic's
 * retention. All keys must live on one Redis node (true for a single Redis or one hash slot).
 */
public final class RedisInbox {

    /** One counter update of an effect. */
    public record Op(String command, String key, String arg1, String arg2, Duration expire) {

        public static Op hincrBy(String key, String field, long by, Duration expire) {
            return new Op("HINCRBY", key, field, Long.toString(by), expire);
        }

        public static Op incrBy(String key, long by, Duration expire) {
            return new Op("INCRBY", key, Long.toString(by), "", expire);
        }

        public static Op pfAdd(String key, String element, Duration expire) {
            return new Op("PFADD", key, element, "", expire);
        }
    }

    // The marker's value is when the effect was applied (Redis's clock, epoch milliseconds), so an
    // effect's latency can be read back (the end-to-end benchmark does).
    static final String SCRIPT = String.join("\n",
            "local now = redis.call('TIME')",
            "local applied = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))",
            "if not redis.call('SET', KEYS[1], applied, 'NX', 'EX', ARGV[1]) then return 0 end",
            "local a = 2",
            "for i = 2, #KEYS do",
            "  local op = ARGV[a]",
            "  if op == 'HINCRBY' then redis.call('HINCRBY', KEYS[i], ARGV[a + 1], ARGV[a + 2])",
            "  elseif op == 'INCRBY' then redis.call('INCRBY', KEYS[i], ARGV[a + 1])",
            "  elseif op == 'PFADD' then redis.call('PFADD', KEYS[i], ARGV[a + 1])",
            "  else return redis.error_reply('unsupported op ' .. op) end",
            "  if ARGV[a + 3] ~= '0' then redis.call('EXPIRE', KEYS[i], ARGV[a + 3]) end",
            "  a = a + 4",
            "end",
            "return 1");

    private final RedisAPI redis;
    private final String keyPrefix;
    private final Duration markerTtl;

    /** @param keyPrefix the owning service's prefix and consumer, e.g. {@code analytics:inbox:user-actions} */
    public RedisInbox(RedisAPI redis, String keyPrefix, Duration markerTtl) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.markerTtl = markerTtl;
    }

    /** Applies the ops once per event id; true when applied, false for a duplicate. */
    public Uni<Boolean> once(String eventId, List<Op> ops) {
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>();
        keys.add(keyPrefix + ":" + eventId);
        args.add(Long.toString(markerTtl.toSeconds()));
        for (Op op : ops) {
            keys.add(op.key());
            args.add(op.command());
            args.add(op.arg1());
            args.add(op.arg2());
            args.add(Long.toString(op.expire() == null ? 0 : op.expire().toSeconds()));
        }
        List<String> eval = new ArrayList<>();
        eval.add(SCRIPT);
        eval.add(Integer.toString(keys.size()));
        eval.addAll(keys);
        eval.addAll(args);
        return redis.eval(eval).map(response -> response.toLong() == 1L);
    }
}
