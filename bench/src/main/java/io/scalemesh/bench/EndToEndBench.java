package io.scalemesh.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;
import io.scalemesh.devstack.Tokens;

/**
 * End to end: a fixed 1,000 purchases per second (Instagram's 2012 peak upload rate) for 60 s
 * through the gateway, open loop, and for each accepted action the time from its 202 to its effect
 * in each consumer, read back from the consumers' own state: the notification row's and the ledger
 * line's commit times in PostgreSQL, and the time analytics-service's Redis inbox marker records.
 * Lost (an accepted action without an effect) and duplicated (more effects than actions) are
 * counted from the same state, and analytics' per-user counters. Target: p99 ≤ 100 ms, lost = 0,
 * duplicated = 0. Writes {@code bench/reports/<date>/e2e.md}, {@code e2e.json} and
 * {@code e2e-latency.svg} (p99 per second over the run).
 */
public final class EndToEndBench {

    private static final int USERS = 100;
    private static final Pattern EVENT_ID = Pattern.compile("\"eventId\"\\s*:\\s*\"([^\"]+)\"");
    private static final List<String> CONSUMERS = List.of("notification", "billing", "analytics");

    /** What one run measured: the figures, the table rows, p99 per second, and whether every target was met. */
    record Outcome(Map<String, Object> results, List<String> rows, Map<String, long[]> perSecondP99, boolean met, String load) {

        /** The figures with the p99 of every second, as a report's JSON holds them. */
        Map<String, Object> resultsWithPerSecond() {
            Map<String, Object> json = new LinkedHashMap<>(results);
            Map<String, Object> perSecond = new LinkedHashMap<>();
            perSecondP99.forEach((what, p99s) -> perSecond.put(what, Arrays.stream(p99s).boxed().toList()));
            json.put("perSecondP99Millis", perSecond);
            return json;
        }
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        if (List.of(args).contains("--max")) {
            MaxRate.main(args);
            return;
        }
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        String loadBefore = BenchReport.loadAverage();
        stack.up(line -> System.out.println("[bench] " + line));
        ServiceInstances services = new ServiceInstances(stack).withEnvironment(GatewayBench.UNLIMITED);
        Outcome outcome;
        try {
            services.up(Map.of(MeshService.API_GATEWAY, 1, MeshService.NOTIFICATION, 1, MeshService.ANALYTICS, 1, MeshService.BILLING, 1),
                    line -> System.out.println("[bench] " + line));
            String gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
            outcome = smoke ? measure(settings, gateway, 50, Duration.ofSeconds(3), Duration.ofSeconds(2))
                    : measure(settings, gateway, 1000, Duration.ofSeconds(60), Duration.ofSeconds(90));
        } finally {
            services.down(line -> System.out.println("[bench] " + line));
            stack.down(line -> System.out.println("[bench] " + line));
        }
        write(smoke, outcome, loadBefore, BenchReport.loadAverage());
    }

    /** Drives {@code rate} purchases per second through a running gateway with the three consumers behind it, and reads back every effect. */
    static Outcome measure(StackSettings settings, String gateway, double rate, Duration duration, Duration warm) throws Exception {
        String run = "e2e-" + System.currentTimeMillis();
        Map<String, Long> acceptedAt = new ConcurrentHashMap<>();
        Map<String, Integer> sentIndex = new ConcurrentHashMap<>();
        List<String> unreadable = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> repeated = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Map<String, Long>> effects = new LinkedHashMap<>();
        JwtKeys keys = JwtKeys.of(settings);
        List<String> tokens = IntStream.range(0, USERS)
                .mapToObj(i -> Tokens.signedWith(keys).subject(run + "-" + i).lifetime(Duration.ofHours(2)).sign()).toList();
        List<String> warmTokens = IntStream.range(0, USERS)
                .mapToObj(i -> Tokens.signedWith(keys).subject("warm-" + run + "-" + i).lifetime(Duration.ofHours(2)).sign()).toList();
        OpenLoad.Result sent;
        long[] acceptLatencies;
        try (OpenLoad load = new OpenLoad()) {
            if (!warm.isZero()) { // the smoke's figures do not count: it skips the warm-up
                // At the measured rate, then until the consumers have applied all of it: the JIT of
                // four JVMs compiles the hot paths under this load (on two cores, a minute or more),
                // and the measured window starts with no backlog left from it.
                System.out.println("[bench] warm-up: " + rate + " actions/s for " + warm.toSeconds() + " s");
                OpenLoad.Result warmed = load.run(rate, warm, i -> purchase(gateway, warmTokens.get(i % USERS), i));
                awaitEffects(settings, "warm-" + run, warmed.statuses().getOrDefault(202, 0));
            }
            System.out.printf(Locale.ROOT, "[bench] end to end: %.0f actions/s for %d s%n", rate, duration.toSeconds());
            BenchReport.ran(String.format(Locale.ROOT, "OpenLoad: POST %s/api/v1/actions {\"type\":\"purchase\",...} as %d users, %.0f/s for %d s",
                    gateway, USERS, rate, duration.toSeconds())
                    + (warm.isZero() ? "" : String.format(Locale.ROOT, " (after %.0f/s for %d s of warm-up, applied by every consumer)",
                            rate, warm.toSeconds())));
            sent = load.run(rate, duration, i -> purchase(gateway, tokens.get(i % USERS), i), (index, reply) -> {
                if (reply.status() != 202) {
                    return;
                }
                String body = reply.body();
                long at = reply.atMillis();
                Matcher m = EVENT_ID.matcher(body);
                if (!m.find()) {
                    // Counted apart, so a harness that cannot read an answer never shows as a duplicate effect.
                    unreadable.add(index + ": " + body);
                } else if (acceptedAt.putIfAbsent(m.group(1), at) != null) {
                    repeated.add(m.group(1) + " answered to requests " + sentIndex.get(m.group(1)) + " and " + index);
                } else {
                    sentIndex.put(m.group(1), index);
                }
            });
            acceptLatencies = load.latencies();
        }
        int accepted = acceptedAt.size();
        System.out.println("[bench] " + accepted + " accepted; waiting for every consumer's effects");
        if (!unreadable.isEmpty() || !repeated.isEmpty()) {
            System.out.println("[bench] 202s without an event id: " + unreadable.size() + " " + unreadable.stream().limit(3).toList()
                    + "; event ids answered twice: " + repeated.size() + " " + repeated.stream().limit(3).toList());
        }
        awaitEffects(settings, run, accepted);
        ConsumerState state = new ConsumerState(settings);
        effects.put("notification", state.pgTimes("notification",
                "SELECT event_id, (extract(epoch FROM created_at) * 1000)::bigint FROM notifications WHERE user_id LIKE '" + run + "-%'"));
        effects.put("billing", state.pgTimes("billing",
                "SELECT event_id, (extract(epoch FROM charged_at) * 1000)::bigint FROM ledger WHERE user_id LIKE '" + run + "-%'"));
        effects.put("analytics", state.analyticsMarkers(List.copyOf(acceptedAt.keySet())));
        Map<String, Long> analyticsCounted = state.analyticsCounts(gateway, keys,
                IntStream.range(0, USERS).mapToObj(i -> run + "-" + i).toList(), "action.purchase");
        // Per consumer: latency from each action's 202 to its effect; lost and duplicated.
        List<String> rows = new ArrayList<>();
        Map<String, long[]> perSecondP99 = new LinkedHashMap<>();
        int seconds = (int) duration.toSeconds();
        boolean allMet = true;
        for (String consumer : CONSUMERS) {
            Map<String, Long> applied = effects.get(consumer);
            List<Long> latencies = new ArrayList<>();
            List<List<Long>> bySecond = new ArrayList<>();
            IntStream.range(0, seconds).forEach(s -> bySecond.add(new ArrayList<>()));
            long lost = 0;
            for (Map.Entry<String, Long> entry : acceptedAt.entrySet()) {
                Long at = applied.get(entry.getKey());
                if (at == null) {
                    lost++;
                    continue;
                }
                long latency = Math.max(0, at - entry.getValue()); // the effect can commit before the 202 reaches the client
                latencies.add(latency);
                bySecond.get(Math.min(seconds - 1, (int) (sentIndex.get(entry.getKey()) / rate))).add(latency);
            }
            long effectsSeen = consumer.equals("analytics")
                    ? analyticsCounted.values().stream().mapToLong(Long::longValue).sum() : applied.size();
            long duplicated = Math.max(0, effectsSeen - (acceptedAt.size() - lost));
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            long p50 = percentile(sorted, 0.50);
            long p99 = percentile(sorted, 0.99);
            long max = sorted.length == 0 ? 0 : sorted[sorted.length - 1];
            boolean met = p99 <= 100 && lost == 0 && duplicated == 0;
            allMet &= met;
            perSecondP99.put(consumer, bySecond.stream().mapToLong(l -> percentile(l.stream().mapToLong(Long::longValue).sorted().toArray(), 0.99))
                    .toArray());
            results.put(consumer, Map.of("p50Millis", p50, "p99Millis", p99, "maxMillis", max, "lost", lost, "duplicated", duplicated,
                    "effects", effectsSeen));
            rows.add(String.format(Locale.ROOT, "| %s | %d | %d ms | %d ms | %d ms | %d | %d | %s |", consumer, effectsSeen, p50, p99, max, lost,
                    duplicated, met ? "met" : "**missed**"));
        }
        long[] acceptSorted = Arrays.stream(acceptLatencies).sorted().toArray();
        perSecondP99.put("accept (202)", IntStream.range(0, seconds).mapToLong(s -> percentile(Arrays.stream(acceptLatencies,
                (int) (s * rate), (int) Math.min(acceptLatencies.length, (s + 1) * rate)).sorted().toArray(), 0.99) / 1000).toArray());
        results.put("offeredRate", rate);
        results.put("seconds", sent.seconds());
        results.put("sent", sent.sent());
        results.put("accepted", acceptedAt.size());
        results.put("answersWithoutEventId", unreadable.size());
        results.put("eventIdsAnsweredTwice", repeated.size());
        results.put("statuses", sent.statuses());
        results.put("acceptP50Micros", percentile(acceptSorted, 0.50));
        results.put("acceptP99Micros", percentile(acceptSorted, 0.99));

        results.put("sustainedRate", acceptedAt.size() / sent.seconds());
        String loadLine = String.format(Locale.ROOT, "%.0f purchases/s offered for %d s through one gateway (open loop, %d users), one"
                        + " instance of each consumer. %d sent, %d accepted (202), statuses %s, in %.0f s: the mesh took %.0f/s. 202 latency"
                        + " from each request's scheduled time (so it includes any wait for the mesh to catch up): p50 %.1f ms, p99 %.1f ms.",
                rate, seconds, USERS, sent.sent(), acceptedAt.size(), sent.statuses(), sent.seconds(), acceptedAt.size() / sent.seconds(),
                percentile(acceptSorted, 0.50) / 1000.0, percentile(acceptSorted, 0.99) / 1000.0);
        return new Outcome(results, rows, perSecondP99, allMet, loadLine);
    }

    private static void write(boolean smoke, Outcome outcome, String loadBefore, String loadAfter) throws IOException {
        String name = smoke ? "e2e-smoke" : "e2e";
        StringBuilder md = new StringBuilder("# End-to-end benchmark" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, loadAfter));
        md.append("Command: `./mesh bench e2e").append(smoke ? " --smoke" : "").append("`: ").append(outcome.load()).append("\n\n");
        md.append("From each action's 202 to its effect in each consumer, read from the consumers' own state:\n\n");
        md.append("| consumer | effects | p50 | p99 | max | lost | duplicated | target (p99 ≤ 100 ms, none lost or duplicated) |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        outcome.rows().forEach(r -> md.append(r).append('\n'));
        md.append("\nOverall: ").append(outcome.met() ? "**met**" : "**missed**").append(". p99 per second of the run: ").append(name)
                .append("-latency.svg\n");
        Path dir = BenchReport.directory();
        Files.writeString(dir.resolve(name + ".md"), md);
        Files.writeString(dir.resolve(name + ".json"), BenchReport.json(outcome.resultsWithPerSecond()));
        Files.writeString(dir.resolve(name + "-latency.svg"), Svg.lines("p99 latency per second of the run (ms)", "second of the run",
                outcome.perSecondP99()));
        System.out.println(md);
        System.out.println("[bench] report: " + dir.resolve(name + ".md"));
    }

    private static OpenLoad.Request purchase(String gateway, String token, int i) {
        return OpenLoad.Request.post(gateway + "/api/v1/actions", "{\"type\":\"purchase\",\"attributes\":{\"sku\":\"" + i + "\"}}")
                .header("Authorization", "Bearer " + token);
    }

    /**
     * Polls the consumers' state until each shows as many effects as were accepted. Consumers that
     * fell behind keep catching up, so the wait ends only when they have everything or have made no
     * progress for 30 s; what is missing then counts as lost.
     */
    private static void awaitEffects(StackSettings settings, String run, int accepted) throws Exception {
        ConsumerState state = new ConsumerState(settings);
        long last = -1;
        long lastProgress = System.nanoTime();
        while (System.nanoTime() - lastProgress < Duration.ofSeconds(30).toNanos()) {
            long notifications = state.count("notification", "SELECT count(*) FROM notifications WHERE user_id LIKE '" + run + "-%'");
            long charges = state.count("billing", "SELECT count(*) FROM ledger WHERE user_id LIKE '" + run + "-%'");
            if (notifications >= accepted && charges >= accepted) {
                return;
            }
            if (notifications + charges != last) {
                last = notifications + charges;
                lastProgress = System.nanoTime();
                System.out.println("[bench] effects so far: " + notifications + " notifications, " + charges + " ledger lines of " + accepted);
            }
            Thread.sleep(1000);
        }
        System.out.println("[bench] the consumers stopped making progress before every effect arrived; the missing ones count as lost");
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
