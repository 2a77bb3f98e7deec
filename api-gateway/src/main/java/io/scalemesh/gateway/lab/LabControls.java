package io.scalemesh.gateway.lab;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.scalemesh.events.EventEnvelope;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.service.identity.InternalTokens;
import io.scalemesh.gateway.actions.ActionPublisher;
import io.scalemesh.gateway.routing.Backends;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** What the lab's buttons do, each a pattern made visible on the running mesh. */
@ApplicationScoped
public class LabControls {

    /** One control: its name (the URL's last segment), its button, the pattern it shows and what to watch. */
    public record Control(String name, String label, String explains, String watch) {
    }

    /** What the gateway does itself. */
    static final List<Control> OWN = List.of(
            new Control("spike", "Fire a load spike at tasks",
                    "Queue-based load levelling: thousands of tasks arrive at once; task-service answers 202 at once and its workers"
                            + " take them from the queue at the rate they sustain.",
                    "the queue depth jumps, then drains at the workers' pace; nothing is refused or lost."),
            new Control("replay-duplicates", "Replay duplicates",
                    "Idempotent consumers: the latest actions are published again with the same event ids, as a producer retry or a"
                            + " consumer rebalance would redeliver them.",
                    "duplicates suppressed rises in every consumer; billing's charged total does not move."),
            new Control("profile-reads", "Read profiles (cached)",
                    "Cache-aside: 20 s of 100 profile reads/s; after the first, each is served from the instance's memory or Redis.",
                    "the cache hit ratio near 100%, few database reads, a low p99."),
            new Control("profile-reads-uncached", "Read profiles, bypassing the cache",
                    "The same reads with Cache-Control: no-cache: every one goes to a PostgreSQL replica.",
                    "the hit ratio falls, replica reads/s rise to the request rate, and so does profile-service's p99."),
            new Control("read-your-writes", "Write, then read your write",
                    "Read-your-writes over replicas: 20 s of 10 writes/s, each read back at once with its X-Consistency-Token. A replica"
                            + " serves the read once it has replayed the write; until then the primary does.",
                    "every write read back right; primary reads/s rise while the replica's replay is paused."));

    /** What the devstack's lab agent does (offered only when there is one). */
    static final List<Control> AGENT = List.of(
            new Control("kill-billing", "Kill a billing instance",
                    "Consumer failover: kill -9 of billing-service's last instance; the devstack starts it again 20 s later.",
                    "its dot turns red and billing's lag builds while no instance runs, then drains once it is back; nothing is charged twice."),
            new Control("stop-redis", "Stop Redis",
                    "Graceful degradation: Redis is stopped for 20 s. Profiles are read from PostgreSQL, rate limits fall back per instance,"
                            + " analytics waits.",
                    "no 5xx; the cache hit ratio drops and database reads rise; analytics' lag builds, then drains."),
            new Control("pause-replica", "Pause replica replay",
                    "Replica lag: postgres-0-replica stops replaying the primary's WAL for 30 s. A read with a write's X-Consistency-Token"
                            + " goes to the primary meanwhile.",
                    "reads go on; read-your-writes still holds."),
            new Control("scale-out-billing", "Scale billing out",
                    "Horizontal scaling of a consumer: one more billing-service instance joins the group and takes some of its partitions.",
                    "a new dot; the consumed rate is shared."),
            new Control("scale-in-billing", "Scale billing in",
                    "The last billing-service instance leaves the group gracefully; the others take its partitions over.",
                    "a dot fewer; nothing lost, nothing charged twice."));

    private static final int SPIKE_IN_FLIGHT = 64;

    @Inject
    LabSettings settings;

    @Inject
    Backends backends;

    @Inject
    InternalTokens internalTokens;

    @Inject
    ActionPublisher publisher;

    @Inject
    RecentActions recent;

    @Inject
    Vertx vertx;

    @Inject
    LabAgentClient agent;

    private volatile HttpClient client;

    /** The controls this gateway offers: its own, and the agent's when there is one. */
    List<Control> catalogue() {
        return agent.available() ? java.util.stream.Stream.concat(OWN.stream(), AGENT.stream()).toList() : OWN;
    }

    Uni<Map<String, Object>> run(String name) {
        if (catalogue().stream().noneMatch(c -> c.name().equals(name))) {
            return Uni.createFrom().failure(new ProblemException(Problem.notFound("no lab control '" + name + "'; there are "
                    + catalogue().stream().map(Control::name).toList())));
        }
        return switch (name) {
            case "spike" -> spike(settings.spikeTasks());
            case "replay-duplicates" -> replayDuplicates();
            case "profile-reads" -> profileReads(false);
            case "profile-reads-uncached" -> profileReads(true);
            case "read-your-writes" -> readYourWrites();
            default -> agent.fault(name);
        };
    }

    /** 20 s of 100 reads/s of the lab user's profile, straight to profile-service (the profile is written first). */
    private Uni<Map<String, Object>> profileReads(boolean bypassCache) {
        List<String> instances = backends.route().get("profiles").instances();
        String bearer = internalTokens.bearer("lab", List.of("user"));
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        String profile = "{\"displayName\":\"The lab\",\"email\":\"lab@example.com\"}";
        return request(HttpMethod.PUT, instances.get(0), "/api/v1/profiles/lab", bearer, profile, Map.of())
                .chain(written -> Multi.createFrom().ticks().every(java.time.Duration.ofMillis(10)).select().first(2000)
                        .onItem().transformToUniAndMerge(i -> request(HttpMethod.GET, instances.get((int) (i % instances.size())),
                                "/api/v1/profiles/lab", bearer, null, bypassCache ? Map.of("Cache-Control", "no-cache") : Map.of())
                                .invoke(status -> (status == 200 ? ok : failed).incrementAndGet())
                                .onFailure().recoverWithItem(() -> {
                                    failed.incrementAndGet();
                                    return 0;
                                }))
                        .collect().last())
                .map(ignored -> Map.of("ok", ok.get(), "failed", failed.get(), "summary", ok.get() + " reads answered 200, " + failed.get()
                        + " not" + (bypassCache ? ", every one past the cache" : "")));
    }

    /**
     * 20 s of 10 writes/s of the lab user's profile, each read back with its consistency token (past
     * the cache: the database decides). The user "lab" is in shard 25, on the devstack's first
     * server, whose replica the agent's pause-replica control pauses.
     */
    private Uni<Map<String, Object>> readYourWrites() {
        List<String> instances = backends.route().get("profiles").instances();
        String bearer = internalTokens.bearer("lab", List.of("user"));
        AtomicInteger right = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        // One write and its read at a time: a tick that finds the last pair still running is dropped (a tick cannot wait).
        return Multi.createFrom().ticks().every(java.time.Duration.ofMillis(100)).onOverflow().drop()
                .select().first(java.time.Duration.ofSeconds(20))
                .onItem().transformToUniAndConcatenate(i -> {
                    String instance = instances.get((int) (i % instances.size()));
                    String name = "Lab write " + i;
                    return exchange(HttpMethod.PUT, instance, "/api/v1/profiles/lab", bearer,
                            "{\"displayName\":\"" + name + "\",\"email\":\"lab@example.com\"}", Map.of())
                            .chain(written -> written.consistency() == null ? Uni.createFrom().item(false)
                                    : exchange(HttpMethod.GET, instance, "/api/v1/profiles/lab", bearer, null,
                                            Map.of("X-Consistency-Token", written.consistency(), "Cache-Control", "no-cache"))
                                            .map(read -> read.status() == 200 && read.body().contains("\"" + name + "\"")))
                            .onFailure().recoverWithItem(false)
                            .invoke(ok -> (ok ? right : wrong).incrementAndGet());
                })
                .collect().last()
                .map(ignored -> Map.of("right", right.get(), "wrong", wrong.get(), "summary", right.get() + " writes read back right, "
                        + wrong.get() + " not"));
    }

    /** {@code tasks} sum tasks straight to task-service's instances, as the lab's own user, {@value #SPIKE_IN_FLIGHT} at a time. */
    private Uni<Map<String, Object>> spike(int tasks) {
        List<String> instances = backends.route().get("tasks").instances();
        String bearer = internalTokens.bearer("lab", List.of("user"));
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        long begin = System.nanoTime();
        return Multi.createFrom().range(0, tasks)
                .onItem().transformToUni(i -> post(instances.get(i % instances.size()), bearer,
                        "{\"type\":\"sum\",\"input\":{\"numbers\":[" + i + ",1,2,3]}}")
                        .invoke(status -> (status == 202 ? accepted : refused).incrementAndGet())
                        .onFailure().recoverWithItem(() -> {
                            refused.incrementAndGet();
                            return 0;
                        }))
                .merge(SPIKE_IN_FLIGHT)
                .collect().last()
                .map(ignored -> Map.of("accepted", accepted.get(), "refused", refused.get(), "summary", String.format(java.util.Locale.ROOT,
                        "%d tasks accepted (202), %d refused, in %.1f s", accepted.get(), refused.get(), (System.nanoTime() - begin) / 1e9)));
    }

    private Uni<Integer> post(String instance, String bearer, String body) {
        return request(HttpMethod.POST, instance, "/api/v1/tasks", bearer, body, Map.of());
    }

    private Uni<Integer> request(HttpMethod method, String instance, String uri, String bearer, String body, Map<String, String> headers) {
        return exchange(method, instance, uri, bearer, body, headers).map(Answer::status);
    }

    /** An answer: its status, body and X-Consistency-Token (profile-service's writes carry one). */
    private record Answer(int status, String body, String consistency) {
    }

    private Uni<Answer> exchange(HttpMethod method, String instance, String uri, String bearer, String body, Map<String, String> headers) {
        String[] hostPort = instance.replaceFirst("^dns:", "").split(":");
        RequestOptions options = new RequestOptions().setMethod(method).setHost(hostPort[0]).setPort(Integer.parseInt(hostPort[1]))
                .setURI(uri).putHeader("Authorization", bearer).setTimeout(10_000);
        if (body != null) {
            options.putHeader("Content-Type", "application/json");
        }
        headers.forEach(options::putHeader);
        return http().request(options).chain(request -> body == null ? request.send() : request.send(Buffer.buffer(body)))
                .chain(response -> response.body().map(b -> new Answer(response.statusCode(), b.toString(),
                        response.getHeader("X-Consistency-Token"))));
    }

    private HttpClient http() {
        if (client == null) {
            client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setMaxPoolSize(SPIKE_IN_FLIGHT));
        }
        return client;
    }

    /** The latest published actions again, with their own ids: every consumer must apply each of them once, already. */
    private Uni<Map<String, Object>> replayDuplicates() {
        List<EventEnvelope> events = recent.latest();
        if (events.isEmpty()) {
            return Uni.createFrom().failure(new ProblemException(Problem.of(409, "nothing-to-replay", "Nothing to replay",
                    "no action has been published through this gateway since it started; send some first")));
        }
        return Multi.createFrom().iterable(events).onItem().transformToUniAndConcatenate(publisher::publish).collect().last()
                .map(ignored -> Map.of("replayed", events.size(), "summary", events.size()
                        + " actions published again with the same event ids; each consumer should suppress every one"));
    }
}
