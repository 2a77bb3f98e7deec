package io.scalemesh.profile.shard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Instagram's scheme: many logical shards, fewer physical servers. A user's logical shard is a
 * stable hash of the userId and never changes; which server holds a shard is configuration, so a
 * shard moves to another server by copying its schema and changing one line (see the README).
 * Each logical shard is a PostgreSQL schema, {@code shard_0042}, on the server that holds it.
 */
public final class ShardMap {

    private final int shards;
    private final String[] serverOfShard;

    private ShardMap(int shards, String[] serverOfShard) {
        this.shards = shards;
        this.serverOfShard = serverOfShard;
    }

    /**
     * @param rangesByServer server name → the shards it holds, as ranges ("0-31") or single numbers;
     *                       every shard must be held by exactly one server
     */
    public static ShardMap of(int shards, Map<String, List<String>> rangesByServer) {
        if (shards < 1 || shards > 10_000) {
            throw new IllegalArgumentException("mesh.profile.db.shards must be between 1 and 10000, not " + shards);
        }
        String[] owner = new String[shards];
        new TreeMap<>(rangesByServer).forEach((server, ranges) -> {
            for (String range : ranges) {
                int[] bounds = parseRange(range.trim(), shards, server);
                for (int shard = bounds[0]; shard <= bounds[1]; shard++) {
                    if (owner[shard] != null) {
                        throw new IllegalArgumentException("shard " + shard + " is mapped to both " + owner[shard] + " and " + server);
                    }
                    owner[shard] = server;
                }
            }
        });
        List<Integer> unmapped = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            if (owner[shard] == null) {
                unmapped.add(shard);
            }
        }
        if (!unmapped.isEmpty()) {
            throw new IllegalArgumentException("shards " + unmapped + " are not mapped to any server (mesh.profile.db.servers.*.shards)");
        }
        return new ShardMap(shards, owner);
    }

    /** The logical shard of a user: the first 8 bytes of SHA-256(userId) modulo the shard count. */
    public static int shardOf(String userId, int shards) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(userId.getBytes(StandardCharsets.UTF_8));
            long head = 0;
            for (int i = 0; i < 8; i++) {
                head = (head << 8) | (digest[i] & 0xff);
            }
            return (int) Long.remainderUnsigned(head, shards);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    public int shardOf(String userId) {
        return shardOf(userId, shards);
    }

    public int shards() {
        return shards;
    }

    public String serverOf(int shard) {
        return serverOfShard[shard];
    }

    public List<Integer> shardsOn(String server) {
        List<Integer> held = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            if (serverOfShard[shard].equals(server)) {
                held.add(shard);
            }
        }
        return held;
    }

    public List<String> servers() {
        return Arrays.stream(serverOfShard).distinct().sorted().toList();
    }

    /** The PostgreSQL schema that holds a logical shard. */
    public static String schema(int shard) {
        return String.format("shard_%04d", shard);
    }

    private static int[] parseRange(String range, int shards, String server) {
        try {
            String[] parts = range.split("-", -1);
            int from = Integer.parseInt(parts[0].trim());
            int to = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : from;
            if (parts.length > 2 || from < 0 || to >= shards || from > to) {
                throw new NumberFormatException();
            }
            return new int[] {from, to};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("server " + server + ": '" + range + "' is not a shard or range within 0-" + (shards - 1));
        }
    }
}
