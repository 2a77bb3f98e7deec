package io.scalemesh.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.events.Topics;

/**
 * Ingest: {@code POST /api/v1/actions} through the gateway at 50 connections (wrk), against two
 * limits measured in the same run on the same broker: Kafka's own {@code ProducerPerformance}
 * with the gateway's record size and acks, and the gateway's no-op endpoint (authenticated and
 * rate-limited, then nothing). Also the batch endpoint's events/s. Target: gateway ingest ≥ 25%
 * of ProducerPerformance's records/s, with p99 ≤ 50 ms. Writes {@code bench/reports/<date>/ingest.md}
 * and {@code ingest.json}.
 */
public final class IngestBench {

    private static final int CONNECTIONS = 50;
    private static final int BATCH = 100;
    private static final String PERF_TOPIC = "bench.producer-performance";
    private static final Pattern RECORD_SIZE = Pattern.compile(
            "^kafka_producer_record_size_avg\\{client_id=\"kafka-producer-user-actions\"[^}]*} ([0-9.E]+)$", Pattern.MULTILINE);
    private static final Pattern PERF = Pattern.compile("(\\d+) records sent, ([0-9.]+) records/sec \\(([0-9.]+) MB/sec\\),"
            + " ([0-9.]+) ms avg latency, ([0-9.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th");

    /** What one ingest run measured. */
    record Result(Wrk.Run noop, Wrk.Run single, Wrk.Run batch, int perBatch, int recordSize, double producerPerformance,
            double producerPerformanceP99, String producerPerformanceCommand, Wrk.Run consuming) {

        /** With the single-action run made again while notification, analytics and billing consume. */
        Result withConsuming(Wrk.Run run) {
            return new Result(noop, single, batch, perBatch, recordSize, producerPerformance, producerPerformanceP99,
                    producerPerformanceCommand, run);
        }

        double shareOfProducerPerformance() {
            return single.perSecond() / producerPerformance;
        }

        double batchEventsPerSecond() {
            return batch.perSecond() * perBatch;
        }

        List<Wrk.Run> runs() {
            return consuming == null ? List.of(noop, single, batch) : List.of(noop, single, batch, consuming);
        }
    }

    /** The gateway's environment for this scenario: limits far above the load, the no-op endpoint on. */
    static Map<String, String> environment() {
        Map<String, String> environment = new HashMap<>(GatewayBench.UNLIMITED);
        environment.put("MESH_GATEWAY_NOOP_ENDPOINT", "true");
        return environment;
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        String loadBefore = BenchReport.loadAverage();
        stack.up(line -> System.out.println("[bench] " + line));
        ServiceInstances services = new ServiceInstances(stack).withEnvironment(environment());
        Result result;
        try {
            services.up(Map.of(MeshService.API_GATEWAY, 1), line -> System.out.println("[bench] " + line));
            String gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
            Duration warm = Duration.ofSeconds(smoke ? 2 : 90);
            Duration measure = Duration.ofSeconds(smoke ? 2 : 20);
            result = measure(settings, gateway, warm, measure, smoke);
            // Up to 150 s, until steady: with 30 s the three just-started consumers were still
            // compiling (two runs of 10 s, not steady) and the gateway got ~1,100 actions/s, while
            // e2e --max, warmed for 90 s, holds 3,200/s through the same mesh.
            Duration warmConsumers = smoke ? Duration.ZERO : Duration.ofSeconds(150);
            result = result.withConsuming(withConsumers(settings, services, gateway, warmConsumers, measure));
        } finally {
            services.down(line -> System.out.println("[bench] " + line));
            stack.down(line -> System.out.println("[bench] " + line));
        }
        write(smoke, result, loadBefore, BenchReport.loadAverage());
    }

    /** The three gateway runs and Kafka's own limit, against a running gateway (see {@link #environment()}). */
    static Result measure(StackSettings settings, String gateway, Duration warm, Duration measure, boolean smoke) throws Exception {
        Wrk wrk = new Wrk(settings.root());
        String token = Tokens.signedWith(JwtKeys.of(settings)).subject("bench-ingest").lifetime(Duration.ofHours(2)).sign();
        int perBatch = smoke ? 10 : BATCH;
        Map<String, String> single = Map.of("BENCH_TOKEN", token);
        Map<String, String> noop = Map.of("BENCH_TOKEN", token, "BENCH_PATH", "/api/v1/noop");
        Map<String, String> batch = Map.of("BENCH_TOKEN", token, "BENCH_PATH", "/api/v1/actions:batch", "BENCH_BATCH",
                Integer.toString(perBatch));
        Duration window = warm.compareTo(Duration.ofSeconds(10)) < 0 ? warm : Duration.ofSeconds(10);
        if (!warm.isZero()) { // the smoke's figures do not count: it skips the warm-up
            wrk.warmUp("warm-up actions", "actions.lua", gateway, CONNECTIONS, window, warm, single);
            wrk.warmUp("warm-up no-op", "actions.lua", gateway, CONNECTIONS, window, warm, noop);
        }
        Wrk.Run noopRun = wrk.run("no-op endpoint (authenticated, rate-limited, nothing else)", "actions.lua", gateway, CONNECTIONS,
                measure, noop);
        Wrk.Run singleRun = wrk.run("POST /api/v1/actions (one action, 202 after the broker's ack)", "actions.lua", gateway, CONNECTIONS,
                measure, single);
        Wrk.Run batchRun = wrk.run("POST /api/v1/actions:batch (" + perBatch + " actions per request)", "actions.lua", gateway,
                CONNECTIONS, measure, batch);
        int recordSize = recordSize(gateway);

        ProducerPerformance perf = producerPerformance(settings, recordSize, smoke ? 2_000 : 1_000_000);
        return new Result(noopRun, singleRun, batchRun, perBatch, recordSize, perf.recordsPerSecond(), perf.p99Millis(), perf.command(),
                null);
    }

    /**
     * The realistic case: the same single-action run while notification, analytics and billing
     * consume what it publishes. They start at the topic's end (the runs before left a backlog that
     * is not this run's) and warm up on the live stream first.
     */
    static Wrk.Run withConsumers(StackSettings settings, ServiceInstances services, String gateway, Duration warm, Duration measure)
            throws Exception {
        ConsumerGroups.skipToEnd(settings, ConsumerGroups.ACTION_CONSUMERS, Topics.USER_ACTIONS);
        services.up(Map.of(MeshService.NOTIFICATION, 1, MeshService.ANALYTICS, 1, MeshService.BILLING, 1),
                line -> System.out.println("[bench] " + line));
        Wrk wrk = new Wrk(settings.root());
        String token = Tokens.signedWith(JwtKeys.of(settings)).subject("bench-ingest").lifetime(Duration.ofHours(2)).sign();
        Map<String, String> single = Map.of("BENCH_TOKEN", token);
        if (!warm.isZero()) {
            wrk.warmUp("warm-up actions with the consumers", "actions.lua", gateway, CONNECTIONS, Duration.ofSeconds(10), warm, single);
        }
        return wrk.run("POST /api/v1/actions while notification, analytics and billing consume", "actions.lua", gateway, CONNECTIONS,
                measure, single);
    }

    /** What Kafka's own producer tool measured. */
    record ProducerPerformance(double recordsPerSecond, double p99Millis, String command) {
    }

    /**
     * Kafka's own limit: the same broker, record size and durability (acks=all, idempotent), on a
     * topic like user-actions (the broker creates no topic by itself).
     */
    static ProducerPerformance producerPerformance(StackSettings settings, int recordSize, long records) throws Exception {
        try (Admin admin = Admin.create(new java.util.HashMap<>(settings.kafkaClientConfig()))) {
            if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(PERF_TOPIC)) {
                admin.createTopics(List.of(new NewTopic(PERF_TOPIC, settings.kafkaPartitions(), (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
        }
        // The stack's login goes in a file: its JAAS line has spaces, which --producer-props cannot hold.
        java.nio.file.Path login = settings.stateDir().resolve("producer-performance.properties");
        java.util.Properties client = new java.util.Properties();
        client.putAll(settings.kafkaClientConfig());
        try (var out = java.nio.file.Files.newOutputStream(login)) {
            client.store(out, "the bench stack's Kafka login, for ProducerPerformance");
        }
        String arguments = "--topic " + PERF_TOPIC + " --num-records " + records + " --record-size " + recordSize
                + " --throughput -1 --producer.config " + login + " --producer-props acks=all enable.idempotence=true";
        List<String> command = new ArrayList<>(List.of(javaCommand(), "-cp", classpath(settings.root()),
                "org.apache.kafka.tools.ProducerPerformance"));
        command.addAll(List.of(arguments.split(" ")));
        System.out.println("[bench] ProducerPerformance " + arguments);
        BenchReport.ran("java -cp <bench classpath> org.apache.kafka.tools.ProducerPerformance " + arguments);
        Process perf = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(perf.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (perf.waitFor() != 0) {
            throw new IllegalStateException("ProducerPerformance failed:\n" + output);
        }
        Matcher m = PERF.matcher(output);
        String last = null;
        while (m.find()) {
            last = m.group(); // the final summary follows the progress lines
        }
        if (last == null) {
            throw new IllegalStateException("ProducerPerformance printed no summary:\n" + output);
        }
        Matcher summary = PERF.matcher(last);
        summary.find();
        System.out.println("[bench] ProducerPerformance: " + last);
        return new ProducerPerformance(Double.parseDouble(summary.group(2)), Double.parseDouble(summary.group(8)),
                "ProducerPerformance " + arguments);
    }

    private static void write(boolean smoke, Result r, String loadBefore, String loadAfter) throws IOException {
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("noop", r.noop().json());
        results.put("actions", r.single().json());
        results.put("batch", r.batch().json());
        results.put("batchActionsPerRequest", r.perBatch());
        results.put("batchEventsPerSecond", r.batchEventsPerSecond());
        results.put("recordSizeBytes", r.recordSize());
        results.put("producerPerformanceRecordsPerSecond", r.producerPerformance());
        results.put("producerPerformanceP99Millis", r.producerPerformanceP99());
        results.put("shareOfProducerPerformance", r.shareOfProducerPerformance());
        results.put("shareOfNoop", r.single().perSecond() / r.noop().perSecond());
        if (r.consuming() != null) {
            results.put("actionsWhileConsuming", r.consuming().json());
        }
        String name = smoke ? "ingest-smoke" : "ingest";
        StringBuilder md = new StringBuilder("# Ingest benchmark" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, loadAfter));
        md.append("Command: `./mesh bench ingest").append(smoke ? " --smoke" : "").append("`: one gateway instance, wrk with ")
                .append(CONNECTIONS).append(" connections (closed loop), rate limits far above the load. Kafka's limit: `")
                .append(r.producerPerformanceCommand()).append("` (Kafka's own tool, same broker, the gateway's average record size).\n\n");
        md.append(Wrk.TABLE_HEADER);
        r.runs().forEach(run -> md.append(run.row()).append('\n'));
        md.append(String.format(Locale.ROOT, "| Kafka ProducerPerformance (%d-byte records) | %.0f records/s | | %.0f ms | | |%n", r.recordSize(),
                r.producerPerformance(), r.producerPerformanceP99()));
        boolean met = r.shareOfProducerPerformance() >= 0.25 && r.single().p99Micros() <= 50_000;
        md.append(String.format(Locale.ROOT, "%nGateway ingest is **%.0f%% of ProducerPerformance** (target ≥ 25%%) with p99 %.1f ms"
                        + " (target ≤ 50 ms): %s. It is %.0f%% of the no-op endpoint's rate. The batch endpoint takes %.0f events/s.%n",
                100 * r.shareOfProducerPerformance(), r.single().p99Micros() / 1000.0, met ? "met" : "**missed**",
                100 * r.single().perSecond() / r.noop().perSecond(), r.batchEventsPerSecond()));
        if (r.consuming() != null) {
            md.append(String.format(Locale.ROOT, "%nWith the three consumers running (the realistic case): %.0f actions/s, p99 %.1f ms, against"
                    + " %.0f/s, p99 %.1f ms with them idle.%n", r.consuming().perSecond(), r.consuming().p99Micros() / 1000.0,
                    r.single().perSecond(), r.single().p99Micros() / 1000.0));
        }
        Path dir = BenchReport.directory();
        Files.writeString(dir.resolve(name + ".md"), md);
        Files.writeString(dir.resolve(name + ".json"), BenchReport.json(results));
        System.out.println(md);
        System.out.println("[bench] report: " + dir.resolve(name + ".md"));
    }

    /** The gateway producer's average record size, from its own Kafka client metrics. */
    static int recordSize(String gateway) throws IOException, InterruptedException {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ServiceInstances.managementOf(gateway) + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = RECORD_SIZE.matcher(metrics);
        if (!m.find()) {
            throw new IllegalStateException("the gateway reports no kafka_producer_record_size_avg for its user-actions producer");
        }
        return (int) Math.round(Double.parseDouble(m.group(1)));
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String classpath(Path root) throws IOException {
        return Files.readString(root.resolve("bench/target/classpath.txt")).trim();
    }
}
