package io.scalemesh.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;

/**
 * task-service under load, on the bench profile's own devstack: (1) the accept rate and latency
 * of {@code POST /api/v1/tasks} on an API-only instance, 50 wrk connections sending as fast as
 * they are answered; (2) how fast workers drain what was accepted, with one worker instance and
 * then two; (3) a spike: after a minute at the rate two workers paced at 150 tasks/s each drain,
 * for ten seconds 50 connections send as fast as the API takes, about ten times that rate: what is
 * accepted, and the queue depth until it drains. Writes
 * {@code bench/reports/<date>/tasks.md}, {@code tasks.json} and {@code tasks-depth.svg}.
 * {@code --smoke} runs every phase briefly, to keep the harness working (numbers, not targets).
 */
public final class TaskBench {

    private static final Pattern DEPTH = Pattern.compile("^scalemesh_task_queue_depth\\{[^}]*} ([0-9.E]+)$", Pattern.MULTILINE);

    private static final int CONNECTIONS = 50;
    /** The spike's workers: two instances at this many tasks/s each. */
    private static final int PACED_RATE_PER_WORKER = 150;
    /** The body tasks.lua sends: a sum of the numbers 1 to 100. */
    private static final String SUM_OF_100 = "{\"type\":\"sum\",\"input\":{\"numbers\":["
            + java.util.stream.IntStream.rangeClosed(1, 100).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","))
            + "]}}";

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Object> results = new LinkedHashMap<>();
    private final List<String> lines = new ArrayList<>();
    private final List<long[]> depthSeries = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        new TaskBench().run(smoke);
    }

    private void run(boolean smoke) throws Exception {
        Duration acceptFor = Duration.ofSeconds(smoke ? 3 : 20);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        Wrk wrk = new Wrk(settings.root());
        String loadBefore = BenchReport.loadAverage();
        stack.up(line -> System.out.println("[bench] " + line));
        Map<String, String> common = new java.util.HashMap<>(Map.of("MESH_TASK_DEPTH_REFRESH", "0.25s", "MESH_TASK_MAX_QUEUE_DEPTH", "5000000"));
        common.putAll(Direct.LONG_LIVED_TOKENS);
        ServiceInstances api = new ServiceInstances(stack).withEnvironment(common).withEnvironment(Map.of("MESH_TASK_ROLE", "api"));
        ServiceInstances workers = new ServiceInstances(stack).withEnvironment(common).withEnvironment(Map.of("MESH_TASK_ROLE", "worker"));
        try {
            api.up(Map.of(MeshService.TASK, 1), line -> System.out.println("[bench] " + line));
            String base = "http://127.0.0.1:" + api.instance(MeshService.TASK, 0).port();

            // 1. Accept: warm the JVM until its rate is steady (C2 keeps compiling for a minute or
            // more on two cores), then 50 connections sending as fast as they are answered.
            wrk.warmUp("warm-up", "tasks.lua", base, CONNECTIONS, Duration.ofSeconds(smoke ? 2 : 10), Duration.ofSeconds(smoke ? 2 : 150),
                    users(settings, "warm-"));
            Wrk.Run accept = wrk.run("accept", "tasks.lua", base, CONNECTIONS, acceptFor, users(settings, "bench-"));
            results.put("accept", accept.json());
            lines.add(String.format(Locale.ROOT, "| accept (API-only instance, sum of 100 numbers) | %d connections for %.0f s | %.0f 202/s | p50 %.1f ms, p99 %.1f ms, max %.1f ms | %d errors, %d not 202 |",
                    CONNECTIONS, accept.seconds(), (accept.requests() - accept.non2xx()) / accept.seconds(), accept.p50Micros() / 1000.0,
                    accept.p99Micros() / 1000.0, accept.maxMicros() / 1000.0, accept.errors(), accept.non2xx()));

            // 2. Drain with one worker; stop it, queue more, and drain with two.
            long queued = awaitDepthSettled(base);
            workers.up(Map.of(MeshService.TASK, 2), line -> System.out.println("[bench] " + line));
            double oneWorker = drainRate(base, Duration.ofSeconds(smoke ? 2 : 10), Duration.ofSeconds(2));
            workers.stop(workers.instance(MeshService.TASK, 1));
            wrk.run("refill", "tasks.lua", base, CONNECTIONS, Duration.ofSeconds(smoke ? 2 : 15), users(settings, "refill-"));
            long refilled = awaitDepthSettled(base);
            workers.up(Map.of(MeshService.TASK, 3), line -> System.out.println("[bench] " + line));
            double twoWorkers = drainRate(base, Duration.ofSeconds(smoke ? 2 : 10), Duration.ofSeconds(5));
            results.put("queuedBeforeDrain", queued);
            results.put("completionRateOneWorker", oneWorker);
            results.put("completionRateTwoWorkers", twoWorkers);
            lines.add(String.format(Locale.ROOT, "| completion, 1 worker instance (2 consumers) | %d queued | %.0f tasks/s | | |", queued, oneWorker));
            lines.add(String.format(Locale.ROOT, "| completion, 2 worker instances | %d queued | %.0f tasks/s | | |", refilled, twoWorkers));
            awaitDepth(base, 0, Duration.ofMinutes(smoke ? 2 : 10));

            // 3. A spike against workers paced at a sustainable rate (mesh.task.worker.max-rate, as
            // if a downstream allowed no more): for 10 s the API takes all it can, ~10× that pace;
            // the queue absorbs it and the workers drain it at their pace.
            workers.stop(workers.instance(MeshService.TASK, 1));
            workers.stop(workers.instance(MeshService.TASK, 2));
            ServiceInstances paced = new ServiceInstances(stack).withEnvironment(common).withEnvironment(Map.of("MESH_TASK_ROLE", "worker",
                    "MESH_TASK_WORKER_MAX_RATE", Integer.toString(PACED_RATE_PER_WORKER)));
            paced.up(Map.of(MeshService.TASK, 3), line -> System.out.println("[bench] " + line));
            double sustainable = 2.0 * PACED_RATE_PER_WORKER;
            // The spike hits a mesh already working at the sustainable rate. Just-started workers
            // spend their first minute compiling (about half a core each on two cores), which took
            // two thirds of the API's share and showed as a spike of 2,000 accepts/s, not 7,000.
            Duration leadIn = Duration.ofSeconds(smoke ? 2 : 60);
            System.out.printf(Locale.ROOT, "[bench] lead-in: %.0f tasks/s for %d s%n", sustainable, leadIn.toSeconds());
            String[] leadInUsers = users(settings, "lead-in-").get("BENCH_TOKENS").split(",");
            OpenLoad.Result steady;
            try (OpenLoad load = new OpenLoad()) {
                steady = load.run(sustainable, leadIn, i -> OpenLoad.Request.post(base + "/api/v1/tasks", SUM_OF_100)
                        .header("Authorization", leadInUsers[i % leadInUsers.length]));
            }
            BenchReport.ran(String.format(Locale.ROOT, "OpenLoad: POST %s/api/v1/tasks (sum of 100 numbers) at %.0f/s for %d s",
                    base, sustainable, leadIn.toSeconds()));
            awaitDepth(base, 0, Duration.ofMinutes(2));
            Duration spikeFor = Duration.ofSeconds(smoke ? 2 : 10);
            long spikeStart = System.nanoTime();
            Thread sampler = new Thread(() -> sample(base, spikeStart), "depth-sampler");
            sampler.setDaemon(true);
            sampler.start();
            Wrk.Run spike = wrk.run("spike", "tasks.lua", base, CONNECTIONS, spikeFor, users(settings, "spike-"));
            double spikeAccepted = (spike.requests() - spike.non2xx()) / spike.seconds();
            long peak = depthSeries.stream().mapToLong(p -> p[1]).max().orElse(0);
            awaitDepth(base, 0, Duration.ofMinutes(smoke ? 2 : 10));
            double drainSeconds = (System.nanoTime() - spikeStart) / 1e9 - spike.seconds();
            sampler.interrupt();
            results.put("spike", spike.json());
            results.put("spikeLeadIn", Map.of("rate", sustainable, "seconds", leadIn.toSeconds(), "accepted", steady.statuses().getOrDefault(202, 0),
                    "sent", steady.sent()));
            results.put("spikeSustainableRate", sustainable);
            results.put("spikeTimesSustainableRate", spikeAccepted / sustainable);
            results.put("spikePeakDepth", peak);
            results.put("spikeDrainSeconds", drainSeconds);
            lines.add(String.format(Locale.ROOT, "| spike (2 workers paced at %.0f tasks/s in all, after %d s at that rate) | %d connections for %.0f s | %.0f 202/s (%.1f× the pace) | p50 %.1f ms, p99 %.1f ms | peak depth %d, drained %.1f s after the spike; %d not 202 |",
                    sustainable, leadIn.toSeconds(), CONNECTIONS, spike.seconds(), spikeAccepted, spikeAccepted / sustainable, spike.p50Micros() / 1000.0,
                    spike.p99Micros() / 1000.0, peak, drainSeconds, spike.non2xx()));
        } finally {
            workers.down(line -> System.out.println("[bench] " + line));
            api.down(line -> System.out.println("[bench] " + line));
            stack.down(line -> System.out.println("[bench] " + line));
        }
        write(smoke, loadBefore, BenchReport.loadAverage());
    }

    /**
     * For {@code ./mesh bench smoke}: tasks accepted for {@code duration} by an instance that also
     * works, then the wait until it has done every one (the queue depth back at zero).
     */
    static Smoke smoke(StackSettings settings, Wrk wrk, String base, Duration duration) throws IOException, InterruptedException {
        Wrk.Run accepted = wrk.run("tasks (accepted, then all done)", "tasks.lua", base, 8, duration, users(settings, "smoke-"));
        TaskBench bench = new TaskBench();
        try {
            bench.awaitDepth(base, 0, Duration.ofSeconds(60));
            return new Smoke(accepted, 0);
        } catch (IllegalStateException e) {
            return new Smoke(accepted, bench.depth(base));
        }
    }

    /** tasks.lua's settings: 50 users named {@code prefix}0 ... 49, each with its identity token. */
    private static Map<String, String> users(StackSettings settings, String prefix) {
        return Map.of("BENCH_TOKENS", Direct.bearers(settings, prefix, 50));
    }

    /** What {@link #smoke} saw: the accepts, and how many tasks were still undone a minute later. */
    record Smoke(Wrk.Run accepted, long undone) {
    }

    private long depth(String base) {
        try {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(ServiceInstances.managementOf(base) + "/q/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = DEPTH.matcher(metrics);
            return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The depth once accepting has stopped and the count has caught up. */
    private long awaitDepthSettled(String base) throws InterruptedException {
        long last = -2;
        while (true) {
            Thread.sleep(500); // the gauge refreshes every 250 ms: two refreshes without change
            long now = depth(base);
            if (now == last) {
                return now;
            }
            last = now;
        }
    }

    /**
     * Tasks finished per second over a window on the depth gauge, measured once the workers are
     * under way (the depth has dropped, then {@code settle} more for a rebalance to finish).
     */
    private double drainRate(String base, Duration window, Duration settle) throws InterruptedException {
        long initial = depth(base);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (depth(base) >= initial && initial > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(settle.toMillis());
        long startDepth = depth(base);
        long start = System.nanoTime();
        long end = start + window.toNanos();
        long depth = startDepth;
        while (System.nanoTime() < end && depth > 0) {
            Thread.sleep(250);
            depth = depth(base);
        }
        return (startDepth - depth) / ((System.nanoTime() - start) / 1e9);
    }

    private void awaitDepth(String base, long target, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (depth(base) > target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the queue did not drain within " + timeout);
            }
            Thread.sleep(250);
        }
    }

    private void sample(String base, long start) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long depth = depth(base);
                synchronized (depthSeries) {
                    depthSeries.add(new long[] {(System.nanoTime() - start) / 1_000_000, depth});
                }
                Thread.sleep(250);
            }
        } catch (InterruptedException e) {
            // done
        }
    }

    private void write(boolean smoke, String loadBefore, String loadAfter) throws IOException {
        Path dir = BenchReport.directory();
        String name = smoke ? "tasks-smoke" : "tasks";
        StringBuilder md = new StringBuilder("# task-service benchmark" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, loadAfter));
        md.append("Command: `./mesh bench tasks").append(smoke ? " --smoke" : "").append("`\n\n");
        md.append("| scenario | load | throughput | latency | notes |\n|---|---|---|---|---|\n");
        lines.forEach(l -> md.append(l).append('\n'));
        md.append("\nQueue depth during the spike: ").append(name).append("-depth.svg\n");
        Files.writeString(dir.resolve(name + ".md"), md);
        Files.writeString(dir.resolve(name + ".json"), BenchReport.json(results));
        Files.writeString(dir.resolve(name + "-depth.svg"), svg());
        System.out.println(md);
        System.out.println("[bench] report: " + dir.resolve(name + ".md"));
    }

    /** Queue depth per sample (every 250 ms) from the spike's start until the queue drained. */
    private String svg() {
        long[] depths;
        synchronized (depthSeries) {
            depths = depthSeries.stream().mapToLong(p -> p[1]).toArray();
        }
        return Svg.lines("queue depth (tasks)", "quarter-seconds since the spike began", Map.of("queue depth", depths));
    }
}
