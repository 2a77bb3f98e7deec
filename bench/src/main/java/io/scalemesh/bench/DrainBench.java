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
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventTypes;
import io.scalemesh.events.Topics;

/**
 * Drain: each consumer alone on a topic filled beforehand with 200,000 purchases (1,000 users), the
 * rate at which it applies them, read from its own {@code scalemesh_events_consumed_total} from
 * its first applied event to its last. One consumer at a time, so each has both cores with Kafka,
 * PostgreSQL and Redis. Target: ≥ 10,000 events/s each. Writes {@code bench/reports/<date>/drain.md}
 * and {@code drain.json}.
 */
public final class DrainBench {

    private static final int USERS = 1_000;
    private static final List<MeshService> CONSUMERS = List.of(MeshService.NOTIFICATION, MeshService.ANALYTICS, MeshService.BILLING);
    private static final Pattern APPLIED = Pattern.compile(
            "^scalemesh_events_(?:consumed|deduplicated)_total\\{[^}]*topic=\"user-actions\"[^}]*} ([0-9.E]+)$", Pattern.MULTILINE);

    /** One consumer's drain: all it applied, the events timed (after its first), over how long, at what rate. */
    record Drain(MeshService consumer, long applied, long events, double seconds) {
        double perSecond() {
            return events / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        int events = smoke ? 2_000 : 200_000;
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        String loadBefore = BenchReport.loadAverage();
        stack.up(line -> System.out.println("[bench] " + line));
        ServiceInstances services = new ServiceInstances(stack);
        List<Drain> drains = new ArrayList<>();
        double filledPerSecond;
        try {
            filledPerSecond = fill(settings, events);
            for (MeshService consumer : CONSUMERS) {
                drains.add(drain(services, consumer, events));
            }
        } finally {
            services.down(line -> System.out.println("[bench] " + line));
            stack.down(line -> System.out.println("[bench] " + line));
        }
        write(smoke, events, filledPerSecond, drains, loadBefore, BenchReport.loadAverage());
    }

    /** Publishes the purchases straight to Kafka (acks=all, idempotent), as the gateway would; answers records/s. */
    private static double fill(StackSettings settings, int events) throws Exception {
        Properties config = new Properties();
        config.putAll(settings.kafkaClientConfig());
        config.put("acks", "all");
        config.put("enable.idempotence", "true");
        config.put("linger.ms", "10");
        config.put("batch.size", "262144");
        System.out.println("[bench] filling " + Topics.USER_ACTIONS + " with " + events + " purchases of " + USERS + " users");
        BenchReport.ran("KafkaProducer (acks=all, idempotent): " + events + " purchase events of " + USERS + " users to "
                + Topics.USER_ACTIONS + ", then each consumer started alone: ./mesh bench drain");
        long started = System.nanoTime();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(events);
            for (int i = 0; i < events; i++) {
                String user = "drain-" + (i % USERS);
                var attributes = EventCodec.json().createObjectNode().put("sku", Integer.toString(i));
                EventEnvelope event = EventEnvelope.create(EventTypes.USER_ACTION, "/bench", user,
                        new EventData.UserAction("purchase", attributes).toJson());
                acks.add(producer.send(new ProducerRecord<>(Topics.USER_ACTIONS, user, EventCodec.encode(event))));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(60, TimeUnit.SECONDS);
            }
        }
        double perSecond = events / ((System.nanoTime() - started) / 1e9);
        System.out.printf(Locale.ROOT, "[bench] filled at %.0f records/s%n", perSecond);
        return perSecond;
    }

    /** Starts one consumer, times it from its first applied event to the last, then stops it. */
    private static Drain drain(ServiceInstances services, MeshService consumer, int events) throws Exception {
        services.up(Map.of(consumer, 1), line -> System.out.println("[bench] " + line));
        ServiceInstances.Instance instance = services.instance(consumer, 0);
        String metrics = instance.managementUrl() + "/q/metrics";
        HttpClient http = HttpClient.newHttpClient();
        long firstAt = 0;
        long first = 0;
        long last = 0;
        long lastAt = 0;
        long lastProgress = System.nanoTime();
        while (last < events && System.nanoTime() - lastProgress < Duration.ofSeconds(60).toNanos()) {
            long now = System.nanoTime();
            long applied = applied(http, metrics);
            if (applied > 0 && firstAt == 0) {
                firstAt = now;
                first = applied;
            }
            if (applied > last) {
                last = applied;
                lastAt = now;
                lastProgress = now;
            }
            Thread.sleep(100);
        }
        services.stop(instance);
        if (last < events) {
            System.out.println("[bench] " + consumer.id() + " stopped making progress at " + last + " of " + events);
        }
        double seconds = Math.max(1e-3, (lastAt - firstAt) / 1e9);
        Drain drain = new Drain(consumer, last, last - first, seconds);
        System.out.printf(Locale.ROOT, "[bench] %s drained %d events in %.1f s: %.0f/s%n", consumer.id(), drain.events(), seconds,
                drain.perSecond());
        return drain;
    }

    /** Events the consumer has applied or recognised as duplicates on user-actions, by its own counters. */
    private static long applied(HttpClient http, String metrics) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create(metrics)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = APPLIED.matcher(body);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return (long) sum;
    }

    private static void write(boolean smoke, int events, double filledPerSecond, List<Drain> drains, String loadBefore, String loadAfter)
            throws IOException {
        String name = smoke ? "drain-smoke" : "drain";
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("events", events);
        results.put("fillRecordsPerSecond", filledPerSecond);
        StringBuilder md = new StringBuilder("# Drain benchmark" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, loadAfter));
        md.append(String.format(Locale.ROOT, "Command: `./mesh bench drain%s`: %,d purchases of %,d users published to `user-actions` first"
                + " (%.0f records/s), then each consumer started alone, one instance, and timed from its first applied event to its"
                + " last by its own `scalemesh_events_consumed_total`.%n%n", smoke ? " --smoke" : "", events, USERS, filledPerSecond));
        md.append("| consumer | applied | timed (after the first batch) | seconds | events/s | target (≥ 10,000/s) |\n")
                .append("|---|---|---|---|---|---|\n");
        for (Drain d : drains) {
            boolean met = d.applied() >= events && d.perSecond() >= 10_000;
            md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %.1f | %,.0f | %s |%n", d.consumer().id(), d.applied(), d.events(),
                    d.seconds(), d.perSecond(), met ? "met" : "**missed**"));
            results.put(d.consumer().id(), Map.of("applied", d.applied(), "timed", d.events(), "seconds", d.seconds(),
                    "perSecond", d.perSecond()));
        }
        Path dir = BenchReport.directory();
        Files.writeString(dir.resolve(name + ".md"), md);
        Files.writeString(dir.resolve(name + ".json"), BenchReport.json(results));
        System.out.println(md);
        System.out.println("[bench] report: " + dir.resolve(name + ".md"));
    }
}
