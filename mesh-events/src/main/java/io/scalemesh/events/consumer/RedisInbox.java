package io.scalemesh.events.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.scalemesh.events.redis.LuaScript;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.RedisAPI;
import io.vertx.mutiny.redis.client.Response;

/**
 * The Redis inbox: one Lua script sets each event's marker only if absent (with a TTL) and applies
 * the effect's commands of the events whose marker it set, in the same atomic step, so a
 * redelivered event changes nothing and a crash can never leave a marker without its effect or an
 * effect without its marker. A whole batch is one script call (by its SHA, see {@link LuaScript}),
 * and the script sums the batch's counter updates per key before it writes them.
 *
 * <p>The marker's TTL is the dedup horizon: keep it at least the topic's retention. All keys must
 * live on one Redis node (true for a single Redis or one hash slot).
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

    /** One event's marker id and the updates it makes. */
    public record Effect(String eventId, List<Op> ops) {
    }

    // KEYS: per event, its marker, then its ops' keys. ARGV[1]: the markers' TTL (s); ARGV[2]: the
    // number of events; then per event the number of its ops, and per op: command, arg1, arg2,
    // expire (s, 0 for none). Answers 1 or 0 per event: applied now, or seen before.
    // A marker's value is when its event was applied (Redis's clock, epoch milliseconds), so an
    // effect's latency can be read back (the end-to-end benchmark does).
    static final LuaScript SCRIPT = new LuaScript(String.join("\n",
            "local now = redis.call('TIME')",
            "local applied = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))",
            "local result, sums, order, pfs, expires = {}, {}, {}, {}, {}",
            "local k, a = 1, 3",
            "for e = 1, tonumber(ARGV[2]) do",
            "  local ops = tonumber(ARGV[a])",
            "  a = a + 1",
            "  local fresh = redis.call('SET', KEYS[k], applied, 'NX', 'EX', ARGV[1])",
            "  result[e] = fresh and 1 or 0",
            "  k = k + 1",
            "  for i = 1, ops do",
            "    if fresh then",
            "      local op, key = ARGV[a], KEYS[k]",
            "      if op == 'HINCRBY' or op == 'INCRBY' then",
            "        local field = op == 'HINCRBY' and ARGV[a + 1] or ''",
            "        local id = op .. '\\0' .. key .. '\\0' .. field",
            "        if not sums[id] then sums[id] = 0; order[#order + 1] = {op, key, field, id} end",
            "        sums[id] = sums[id] + tonumber(op == 'HINCRBY' and ARGV[a + 2] or ARGV[a + 1])",
            "      elseif op == 'PFADD' then",
            "        if not pfs[key] then pfs[key] = {}; order[#order + 1] = {op, key} end",
            "        pfs[key][#pfs[key] + 1] = ARGV[a + 1]",
            "      else return redis.error_reply('unsupported op ' .. op) end",
            "      local ttl = tonumber(ARGV[a + 3])",
            "      if ttl > (expires[key] or 0) then expires[key] = ttl end",
            "    end",
            "    k = k + 1",
            "    a = a + 4",
            "  end",
            "end",
            "for _, u in ipairs(order) do",
            "  if u[1] == 'HINCRBY' then redis.call('HINCRBY', u[2], u[3], sums[u[4]])",
            "  elseif u[1] == 'INCRBY' then redis.call('INCRBY', u[2], sums[u[4]])",
            "  else redis.call('PFADD', u[2], unpack(pfs[u[2]])) end",
            "end",
            "for key, ttl in pairs(expires) do redis.call('EXPIRE', key, ttl) end",
            "return result"));

    private final RedisAPI redis;
    private final String keyPrefix;
    private final Duration markerTtl;

    /** @param keyPrefix the owning service's prefix and consumer, e.g. {@code analytics:inbox:user-actions} */
    public RedisInbox(RedisAPI redis, String keyPrefix, Duration markerTtl) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.markerTtl = markerTtl;
    }

    /** Applies each effect once per event id, all in one script call; answers the ids applied now. */
    public Uni<Set<String>> onceEach(List<Effect> effects) {
        List<String> keys = new ArrayList<>();
        List<String> args = new ArrayList<>();
        args.add(Long.toString(markerTtl.toSeconds()));
        args.add(Integer.toString(effects.size()));
        for (Effect effect : effects) {
            keys.add(keyPrefix + ":" + effect.eventId());
            args.add(Integer.toString(effect.ops().size()));
            for (Op op : effect.ops()) {
                keys.add(op.key());
                args.add(op.command());
                args.add(op.arg1());
                args.add(op.arg2());
                args.add(Long.toString(op.expire() == null ? 0 : op.expire().toSeconds()));
            }
        }
        return SCRIPT.run(redis, keys, args)
                .map(response -> {
                    Set<String> applied = new HashSet<>();
                    for (int i = 0; i < effects.size(); i++) {
                        Response one = response.get(i);
                        if (one != null && one.toLong() == 1L) {
                            applied.add(effects.get(i).eventId());
                        }
                    }
                    return applied;
                });
    }
}
