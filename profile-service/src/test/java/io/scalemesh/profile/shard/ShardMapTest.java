package io.scalemesh.profile.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ShardMapTest {

    private final ShardMap map = ShardMap.of(64, Map.of("s0", List.of("0-31"), "s1", List.of("32-63")));

    @Test
    void tenThousandUsersSpreadEvenlyOverTheLogicalShards() {
        int users = 10_000;
        int[] perShard = new int[64];
        for (int i = 0; i < users; i++) {
            perShard[map.shardOf("user-" + i)]++;
        }
        double expected = users / 64.0; // 156.25; a binomial standard deviation of about 12.4
        double chiSquare = 0;
        for (int shard = 0; shard < 64; shard++) {
            // Stated tolerance: every shard within ±40% of the mean (about 5 standard deviations).
            assertTrue(perShard[shard] >= expected * 0.6 && perShard[shard] <= expected * 1.4,
                    "shard " + shard + " holds " + perShard[shard] + " of " + users + " users");
            chiSquare += Math.pow(perShard[shard] - expected, 2) / expected;
        }
        // 63 degrees of freedom: a uniform hash stays below 110 with probability 0.9998.
        assertTrue(chiSquare < 110, "chi-square " + chiSquare + " says the hash is not uniform");
    }

    @Test
    void theSameUserAlwaysMapsToTheSameShardAcrossReleases() {
        // Pinned values: a change to the hash would move every user's data, so it must fail here first.
        assertEquals(ShardMap.shardOf("alice", 64), map.shardOf("alice"));
        // Computed independently: int(sha256(id)[:8]) % 64 in Python.
        assertEquals(List.of(47, 26, 9, 54), List.of(map.shardOf("alice"), map.shardOf("bob"), map.shardOf("user-42"),
                map.shardOf("ops@example.org")));
        for (int i = 0; i < 1_000; i++) {
            assertEquals(map.shardOf("user-" + i), ShardMap.of(64, Map.of("x", List.of("0-63"))).shardOf("user-" + i));
        }
    }

    @Test
    void shardsMapToTheirServersByRange() {
        assertEquals("s0", map.serverOf(0));
        assertEquals("s0", map.serverOf(31));
        assertEquals("s1", map.serverOf(32));
        assertEquals(32, map.shardsOn("s1").size());
        assertEquals(List.of("s0", "s1"), map.servers());
        assertEquals("shard_0007", ShardMap.schema(7));
        ShardMap moved = ShardMap.of(64, Map.of("s0", List.of("0-6", "8-31"), "s1", List.of("7", "32-63")));
        assertEquals("s1", moved.serverOf(7), "one shard moved by changing the map");
    }

    @Test
    void aMapThatLosesOrDoublesAShardIsRefused() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ShardMap.of(64, Map.of("s0", List.of("0-31"), "s1", List.of("33-63"))));
        assertTrue(missing.getMessage().contains("[32]"), missing.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> ShardMap.of(64, Map.of("s0", List.of("0-32"), "s1", List.of("32-63"))));
        assertTrue(twice.getMessage().contains("shard 32"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShardMap.of(64, Map.of("s0", List.of("0-64"))));
        assertThrows(IllegalArgumentException.class, () -> ShardMap.of(64, Map.of("s0", List.of("a-b"))));
    }
}
