package io.scalemesh.profile.cache;

import static io.restassured.RestAssured.given;
import static io.scalemesh.profile.Profiles.as;
import static io.scalemesh.profile.Profiles.newUser;
import static io.scalemesh.profile.Profiles.path;
import static io.scalemesh.profile.Profiles.put;
import static io.scalemesh.profile.Profiles.readAfter;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventTypes;
import io.scalemesh.events.Topics;
import io.scalemesh.profile.shard.ShardMap;
import io.scalemesh.profile.shard.ShardServers;
import io.scalemesh.testing.DevStackResource;
import io.vertx.mutiny.redis.client.RedisAPI;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class ProfileCacheTest {

    @Inject
    MeterRegistry registry;

    @Inject
    RedisAPI redis;

    @Inject
    ShardServers shards;

    @Test
    void aMissFillsBothTiersThenHitsAndAWriteInvalidates() {
        String user = newUser();
        awaitOnReplica(user, put(user, "One"));
        double misses = count("scalemesh.cache.misses");
        double localHits = count("scalemesh.cache.hits", "tier", "local");
        double reads = count("scalemesh.profile.db.reads");

        as(user).get(path(user)).then().statusCode(200).body("displayName", equalTo("One"));
        assertEquals(misses + 1, count("scalemesh.cache.misses"));
        assertEquals(reads + 1, count("scalemesh.profile.db.reads"));
        assertTrue(redisValue(user).startsWith("1|{"), "Redis holds version 1: " + redisValue(user));
        assertTrue(ttlMillis(user) > 200_000 && ttlMillis(user) <= 330_000, "a TTL of 300 s ± 10%: " + ttlMillis(user));

        as(user).get(path(user)).then().statusCode(200).body("displayName", equalTo("One"));
        assertEquals(localHits + 1, count("scalemesh.cache.hits", "tier", "local"));
        assertEquals(reads + 1, count("scalemesh.profile.db.reads"), "a hit reads no database");

        put(user, "Two");
        assertEquals("2|", redisValue(user), "the write left a tombstone of its version, not the old document");
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                as(user).get(path(user)).then().statusCode(200).body("displayName", equalTo("Two")));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> redisValue(user).startsWith("2|{"));
    }

    @Test
    void concurrentMissesReadTheDatabaseOncePerInstance() throws Exception {
        String user = newUser();
        awaitOnReplica(user, put(user, "Popular"));
        double reads = count("scalemesh.profile.db.reads");
        int requests = 40;
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return as(user).get(path(user)).statusCode();
                }));
            }
            go.countDown();
            for (Future<Integer> answer : answers) {
                assertEquals(200, answer.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(reads + 1, count("scalemesh.profile.db.reads"), requests + " concurrent misses, one database read");
    }

    @Test
    void anEventFromAnotherInstanceDropsWhatThisInstanceCaches() throws Exception {
        String user = newUser();
        awaitOnReplica(user, put(user, "Cached here"));
        as(user).get(path(user)).then().body("displayName", equalTo("Cached here"));

        // Another instance's write: the row changes on the primary, this instance hears only the event.
        int shard = shards.map().shardOf(user);
        shards.serverFor(shard).primary().preparedQuery("UPDATE " + ShardMap.schema(shard) + ".profiles"
                + " SET display_name = 'Written elsewhere', version = 2 WHERE user_id = $1").execute(Tuple.of(user)).await().indefinitely();
        as(user).get(path(user)).then().body("displayName", equalTo("Cached here")); // the cache serves, unaware

        double byEvent = count("scalemesh.cache.invalidations", "source", "event");
        EventEnvelope changed = EventEnvelope.create(EventTypes.PROFILE_CHANGED, "/elsewhere", user,
                new EventData.ProfileChanged("UPSERTED", 2).toJson());
        Properties config = new Properties();
        config.putAll(TestStack.shared().settings().kafkaClientConfig());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.PROFILE_CHANGED, user, EventCodec.encode(changed))).get();
        }
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                as(user).get(path(user)).then().statusCode(200).body("displayName", equalTo("Written elsewhere")));
        assertTrue(count("scalemesh.cache.invalidations", "source", "event") > byEvent);
    }

    @Test
    void withRedisDownReadsAndWritesStillSucceed() {
        String user = newUser();
        Response first = put(user, "Before");
        awaitOnReplica(user, first);
        as(user).get(path(user)).then().statusCode(200);
        String neverCached = newUser();
        Response other = put(neverCached, "Uncached");
        double errors = count("scalemesh.cache.errors");

        TestStack.shared().component("redis").stop();
        try {
            readAfter(neverCached, other).then().statusCode(200).body("displayName", equalTo("Uncached"));
            as(neverCached).get(path(neverCached)).then().statusCode(200).body("displayName", equalTo("Uncached"));
            Response during = put(user, "During the outage");
            readAfter(user, during).then().statusCode(200).body("displayName", equalTo("During the outage"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                    as(user).get(path(user)).then().statusCode(200).body("displayName", equalTo("During the outage")));
            as(user).delete(path(user)).then().statusCode(204);
            io.scalemesh.testing.Management.management().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                    .body("checks.find { it.name == 'Profile cache (Redis, optional)' }.data.redis",
                            equalTo("DOWN (reads served from PostgreSQL)"));
            assertTrue(count("scalemesh.cache.errors") > errors, "Redis failures are counted");
        } finally {
            TestStack.ensureRunning("redis");
        }
        // Redis is back (empty, as a restarted Redis without persistence is). The write made during the
        // outage is owed to it: its tombstone arrives, and replaces a stale copy had Redis kept one.
        redis.set(List.of(ProfileCache.PREFIX + user, "1|{\"displayName\":\"stale\"}", "NX")).await().atMost(Duration.ofSeconds(5));
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> redisValue(user).equals("3|"));
        // And a miss fills Redis again, once its pause after the failure is over.
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            String fresh = newUser();
            awaitOnReplica(fresh, put(fresh, "After"));
            as(fresh).get(path(fresh)).then().statusCode(200);
            return redisValue(fresh).startsWith("1|{");
        });
    }

    /** Polls past the cache until the user's replica has the write, so the next cached read is not a stale 404. */
    private static void awaitOnReplica(String user, Response write) {
        String version = write.header("ETag");
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() ->
                version.equals(as(user).header("Cache-Control", "no-cache").get(path(user)).header("ETag")));
    }

    private String redisValue(String user) {
        var value = redis.get(ProfileCache.PREFIX + user).await().atMost(Duration.ofSeconds(2));
        return value == null ? "" : value.toString();
    }

    private long ttlMillis(String user) {
        return redis.pttl(ProfileCache.PREFIX + user).await().atMost(Duration.ofSeconds(2)).toLong();
    }

    private double count(String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }
}
