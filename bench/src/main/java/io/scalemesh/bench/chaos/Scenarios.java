package io.scalemesh.bench.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.Tokens;

/** The drills {@code ./mesh chaos} knows, in the order it runs them. */
final class Scenarios {

    /** Past the producers' 4.5 s delivery timeout and the gateway's 5 s publish timeout. */
    private static final Duration PAST_PUBLISH_TIMEOUT = Duration.ofSeconds(8);
    /** Past the consumers' 10 s session timeout, so the group moves the frozen member's partitions. */
    private static final Duration PAST_SESSION_TIMEOUT = Duration.ofSeconds(15);

    private Scenarios() {
    }

    /** Every drill, each fault held for {@code hold}. */
    static List<Scenario> all(Duration hold) {
        List<Scenario> all = new ArrayList<>();
        for (MeshService consumer : List.of(MeshService.NOTIFICATION, MeshService.ANALYTICS, MeshService.BILLING)) {
            all.add(killConsumer(consumer, hold));
        }
        all.add(new Scenario("kafka-restart", "the Kafka broker stopped (SIGTERM) and started again",
                "actions answer 503 + Retry-After while it is away; tasks wait in the outbox; every consumer catches up", false, true,
                List.of(step("stop kafka", mesh -> mesh.stack().component("kafka").stop(), hold)),
                List.of(step("start kafka", mesh -> mesh.stack().start(mesh.stack().component("kafka"), mesh.progress()), Duration.ZERO)),
                Scenario.Probe.NONE));
        all.add(new Scenario("kafka-freeze", "the Kafka broker frozen (SIGSTOP) for " + PAST_PUBLISH_TIMEOUT.toSeconds()
                + " s, past the gateway's 5 s publish timeout, then thawed",
                "actions answer 503 + Retry-After after 5 s; none accepted is lost; a refused one may still be applied (the broker"
                        + " appends what it had read before it froze), then by every consumer once", false, true,
                List.of(step("freeze kafka", mesh -> mesh.stack().component("kafka").freeze(true), PAST_PUBLISH_TIMEOUT)),
                List.of(step("thaw kafka", mesh -> mesh.stack().component("kafka").freeze(false), Duration.ZERO)),
                Scenario.Probe.NONE));
        all.add(new Scenario("redis-stop", "Redis stopped, then started again",
                "no 5xx: profile reads go to PostgreSQL, rate limits fall back per instance, analytics waits and catches up", true, false,
                List.of(step("stop redis", mesh -> mesh.stack().component("redis").stop(), hold)),
                List.of(step("start redis", mesh -> mesh.stack().start(mesh.stack().component("redis"), mesh.progress()), Duration.ZERO)),
                Scenario.Probe.NONE));
        all.add(new Scenario("replica-stop", "postgres-0's streaming replica stopped, then started again",
                "no failed request: profile reads of its shards go to the primary", true, false,
                List.of(step("stop postgres-0-replica", mesh -> mesh.stack().component("postgres-0-replica").stop(), hold)),
                List.of(step("start postgres-0-replica", mesh -> mesh.stack().start(mesh.stack().component("postgres-0-replica"),
                        mesh.progress()), Duration.ZERO)),
                Scenario.Probe.NONE));
        all.add(new Scenario("replica-pause", "postgres-0-replica's WAL replay paused, then resumed",
                "no failed request; a read with the write's X-Consistency-Token sees the write (it goes to the primary)", true, false,
                List.of(step("pause replay on postgres-0-replica", mesh -> mesh.stack().replicaReplay("postgres-0-replica", true), hold)),
                List.of(step("resume replay", mesh -> mesh.stack().replicaReplay("postgres-0-replica", false), Duration.ZERO)),
                Scenarios::readYourWrites));
        all.add(new Scenario("primary-restart", "PostgreSQL server 0's primary (tasks, notifications, ledger, half the shards) stopped and started again",
                "writes that need it answer 503 + Retry-After; consumers retry their batches; nothing lost or applied twice", false, false,
                List.of(step("stop postgres-0", mesh -> mesh.stack().component("postgres-0").stop(), hold)),
                List.of(step("start postgres-0", mesh -> mesh.stack().start(mesh.stack().component("postgres-0"), mesh.progress()),
                        Duration.ZERO)),
                Scenario.Probe.NONE));
        all.add(new Scenario("task-worker-freeze", "task-service's worker-only instance frozen (SIGSTOP) for "
                + PAST_SESSION_TIMEOUT.toSeconds() + " s, past the 10 s session timeout, then thawed",
                "the other instance takes its partitions and runs its tasks; the thawed one finishes nothing twice", true, false,
                List.of(step("freeze task-service-1", mesh -> mesh.workers().freeze(mesh.workers().instance(MeshService.TASK, 1), true),
                        PAST_SESSION_TIMEOUT)),
                List.of(step("thaw task-service-1", mesh -> mesh.workers().freeze(mesh.workers().instance(MeshService.TASK, 1), false),
                        Duration.ZERO)),
                Scenario.Probe.NONE));
        return all;
    }

    /** The consumer's second instance killed (its partitions move to the first), then the only one: lag builds until they are back. */
    private static Scenario killConsumer(MeshService consumer, Duration hold) {
        String id = consumer.id();
        return new Scenario("kill-" + id.replace("-service", ""), "kill -9 of " + id + "-1 (one of two), then of " + id + "-0 (the only one)",
                "clients see nothing; lag builds while none runs and drains once they are back; every effect once", true, false,
                List.of(step("kill -9 " + id + "-1", mesh -> mesh.services().kill(mesh.instance(consumer, 1)), hold),
                        step("kill -9 " + id + "-0", mesh -> mesh.services().kill(mesh.instance(consumer, 0)), hold)),
                List.of(step("start " + id + "-0 and -1", mesh -> mesh.services().up(Map.of(consumer, 2), mesh.progress()), Duration.ZERO)),
                Scenario.Probe.NONE);
    }

    private static Scenario.Step step(String label, Scenario.Action action, Duration hold) {
        return new Scenario.Step(label, action, hold);
    }

    /**
     * Writes a profile five times and reads each write back through the gateway with the write's
     * consistency token: with the replica's replay paused, only the primary can answer it right.
     */
    private static List<String> readYourWrites(Mesh mesh) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String user = "chaos-ryw-" + System.currentTimeMillis();
        String token = "Bearer " + Tokens.signedWith(JwtKeys.of(mesh.settings())).subject(user).lifetime(Duration.ofHours(1)).sign();
        String url = mesh.gateway() + "/api/v1/profiles/" + user;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String name = "Written " + i;
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", token).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"displayName\":\"" + name + "\",\"email\":\"" + user + "@example.com\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            String consistency = put.headers().firstValue("X-Consistency-Token").orElse(null);
            if (put.statusCode() / 100 != 2 || consistency == null) {
                failures.add("write " + i + " answered " + put.statusCode() + " with consistency token " + consistency);
                continue;
            }
            HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", token).header("X-Consistency-Token", consistency).build(), HttpResponse.BodyHandlers.ofString());
            if (get.statusCode() != 200 || !get.body().contains("\"" + name + "\"")) {
                failures.add("read-your-writes: write " + i + " read back as " + get.statusCode() + " " + get.body());
            }
        }
        return failures;
    }
}
