package io.scalemesh.profile.shard;

import static io.scalemesh.profile.Profiles.as;
import static io.scalemesh.profile.Profiles.newUser;
import static io.scalemesh.profile.Profiles.path;
import static io.scalemesh.profile.Profiles.put;
import static io.scalemesh.profile.Profiles.readAfter;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.testing.DevStackResource;
import jakarta.inject.Inject;

/** Reads go to replicas; a consistency token makes them see the caller's write; a replica outage costs nothing. */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class ReplicaReadsTest {

    @Inject
    ShardServers shards;

    @Inject
    MeterRegistry registry;

    private double replicaGauge(String name, ShardServers.Server server, ShardServers.Replica replica) {
        return registry.get(name).tag("server", server.name()).tag("replica", replica.address()).gauge().value();
    }

    @Test
    void withTheTokenAWriteIsVisibleEvenWhileTheReplicaReplaysNothing() {
        String user = newUser();
        ShardServers.Server server = shards.serverFor(shards.map().shardOf(user));
        ShardServers.Replica replica = server.replicas().get(0);
        Response first = put(user, "Old");
        awaitReplicaServes(user, "\"1\"");

        replica.pool().query("SELECT pg_wal_replay_pause()").execute().await().atMost(Duration.ofSeconds(5));
        try {
            Response second = put(user, "New");
            double behind = count("reason", "replica-behind-token");
            readAfter(user, second).then().statusCode(200).body("displayName", equalTo("New")).body("version", equalTo(2));
            assertTrue(count("reason", "replica-behind-token") > behind, "the lagging replica was passed over for the primary");
            // Without the token the replica answers, with what it has: older, which eventual consistency allows.
            as(user).header("Cache-Control", "no-cache").get(path(user)).then().statusCode(200)
                    .body("displayName", equalTo("Old")).body("version", equalTo(1));
            readAfter(user, first).then().statusCode(200).body("displayName", equalTo("Old")); // an older token: the replica is past it
            // The gauges say so: the replica's replay paused, bytes of WAL behind.
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> replicaGauge("scalemesh.profile.replica.replay.paused", server, replica) == 1
                    && replicaGauge("scalemesh.profile.replica.lag.bytes", server, replica) > 0);
        } finally {
            replica.pool().query("SELECT pg_wal_replay_resume()").execute().await().atMost(Duration.ofSeconds(5));
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> replicaGauge("scalemesh.profile.replica.replay.paused", server, replica) == 0
                && replicaGauge("scalemesh.profile.replica.lag.bytes", server, replica) == 0);
        assertTrue(registry.get("scalemesh.profile.shards").tag("server", server.name()).gauge().value() > 0, "each server's shards are counted");
        double caughtUp = count("reason", "caught-up");
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                as(user).header("Cache-Control", "no-cache").get(path(user)).then().body("displayName", equalTo("New")));
        readAfter(user, put(user, "Newer")).then().statusCode(200).body("displayName", equalTo("Newer"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            readAfter(user, put(user, "Newest")).then().statusCode(200).body("displayName", equalTo("Newest"));
            return count("reason", "caught-up") > caughtUp; // a replica serves token reads once it has caught up
        });
    }

    @Test
    void aStoppedReplicaCostsNoRequest() {
        String user = userOn("s0");
        Response written = put(user, "Still here");
        awaitReplicaServes(user, "\"1\"");
        double fallbacks = count("target", "primary");
        TestStack.shared().component("postgres-0-replica").stop();
        try {
            for (int i = 0; i < 5; i++) {
                as(user).header("Cache-Control", "no-cache").get(path(user)).then().statusCode(200).body("displayName", equalTo("Still here"));
                readAfter(user, written).then().statusCode(200);
            }
            assertTrue(count("target", "primary") >= fallbacks + 10, "the primary served every read");
        } finally {
            TestStack.ensureRunning("postgres-0-replica");
        }
        double fromReplica = count("target", "replica");
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            as(user).header("Cache-Control", "no-cache").get(path(user)).then().statusCode(200);
            return count("target", "replica") > fromReplica; // back in the rotation
        });
    }

    private String userOn(String server) {
        String user;
        do {
            user = newUser();
        } while (!shards.map().serverOf(shards.map().shardOf(user)).equals(server));
        return user;
    }

    private static void awaitReplicaServes(String user, String etag) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() ->
                etag.equals(as(user).header("Cache-Control", "no-cache").get(path(user)).header("ETag")));
    }

    private double count(String... tags) {
        return registry.find("scalemesh.profile.db.reads").tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }
}
