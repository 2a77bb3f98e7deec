package io.scalemesh.gateway.lab;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.http.Problem;
import io.scalemesh.events.http.ProblemException;
import io.scalemesh.events.identity.InternalTokens;
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

    static final List<Control> CATALOGUE = List.of(
            new Control("spike", "Fire a load spike at tasks",
                    "Queue-based load levelling: thousands of tasks arrive at once; task-service answers 202 at once and its workers"
                            + " take them from the queue at the rate they sustain.",
                    "the queue depth jumps, then drains at the workers' pace; nothing is refused or lost."),
            new Control("replay-duplicates", "Replay duplicates",
                    "Idempotent consumers: the latest actions are published again with the same event ids, as a producer retry or a"
                            + " consumer rebalance would redeliver them.",
                    "duplicates suppressed rises in every consumer; billing's charged total does not move."));

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

    private volatile HttpClient client;

    Uni<Map<String, Object>> run(String name) {
        return switch (name) {
            case "spike" -> spike(settings.spikeTasks());
            case "replay-duplicates" -> replayDuplicates();
            default -> Uni.createFrom().failure(new ProblemException(Problem.notFound("no lab control '" + name + "'; there are "
                    + CATALOGUE.stream().map(Control::name).toList())));
        };
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
        String[] hostPort = instance.replaceFirst("^dns:", "").split(":");
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(hostPort[0]).setPort(Integer.parseInt(hostPort[1]))
                .setURI("/api/v1/tasks").putHeader("Authorization", bearer).putHeader("Content-Type", "application/json");
        return http().request(options).chain(request -> request.send(Buffer.buffer(body)))
                .chain(response -> response.body().replaceWith(response.statusCode()));
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
