package io.scalemesh.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;

/**
 * {@code ./mesh bench e2e --max}: the highest rate the whole mesh sustains end to end. Steps the
 * end-to-end scenario up from 1,000 actions/s by half each time, 60 s a step on the same mesh,
 * until a step misses, then halves the gap between the highest held and the lowest missed until it
 * is within 10%; when 1,000/s itself misses, down by a third until a step holds. A step
 * holds when the mesh takes what is offered (≥ 98%), every consumer's p99 from 202 to effect
 * stays ≤ 250 ms, and nothing is lost or duplicated. Reported beside Kafka's
 * ProducerPerformance on the same broker. Target: ≥ 3,000 actions/s. Writes
 * {@code bench/reports/<date>/e2e-max.md} and {@code e2e-max.json}.
 */
final class MaxRate {

    static final long MAX_P99_MILLIS = 250;
    private static final double MIN_RATE = 100;
    private static final List<String> CONSUMERS = List.of("notification", "billing", "analytics");

    /** One step: the rate offered, what the mesh made of it, and whether it held. */
    record Step(double offered, EndToEndBench.Outcome outcome, boolean held) {
    }

    private MaxRate() {
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        String loadBefore = BenchReport.loadAverage();
        stack.up(line -> System.out.println("[bench] " + line));
        ServiceInstances services = new ServiceInstances(stack).withEnvironment(GatewayBench.UNLIMITED);
        List<Step> steps = new ArrayList<>();
        IngestBench.ProducerPerformance kafka;
        try {
            services.up(Map.of(MeshService.API_GATEWAY, 1, MeshService.NOTIFICATION, 1, MeshService.ANALYTICS, 1, MeshService.BILLING, 1),
                    line -> System.out.println("[bench] " + line));
            String gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
            Duration step = Duration.ofSeconds(smoke ? 2 : 60);
            double rate = smoke ? 50 : 1000;
            Duration warm = smoke ? Duration.ZERO : Duration.ofSeconds(90); // the first step only: the JVMs compile the path
            double highestHeld = 0;
            double lowestMissed = Double.POSITIVE_INFINITY;
            while (true) {
                EndToEndBench.Outcome outcome = EndToEndBench.measure(settings, gateway, rate, step, warm);
                warm = Duration.ZERO;
                Step done = new Step(rate, outcome, held(rate, outcome));
                steps.add(done);
                System.out.printf(Locale.ROOT, "[bench] %.0f actions/s: %s%n", rate, done.held() ? "held" : "missed");
                if (done.held()) {
                    highestHeld = Math.max(highestHeld, rate);
                } else {
                    lowestMissed = Math.min(lowestMissed, rate);
                }
                if (smoke && steps.size() == 2) {
                    break;
                }
                if (lowestMissed == Double.POSITIVE_INFINITY) {
                    rate = Math.round(rate * 1.5 / 100) * 100.0;
                } else if (highestHeld == 0) {
                    if (rate <= MIN_RATE) {
                        break;
                    }
                    // Not even the first step held: down by a third until one does, so the report names a rate that holds.
                    rate = Math.max(MIN_RATE, Math.round(rate * 2 / 3 / 50) * 50.0);
                } else if (lowestMissed - highestHeld <= Math.max(MIN_RATE, 0.1 * highestHeld)) {
                    break; // known to within 10%
                } else {
                    rate = Math.round((highestHeld + lowestMissed) / 2 / 50) * 50.0; // halve the gap between held and missed
                }
            }
            kafka = IngestBench.producerPerformance(settings, IngestBench.recordSize(gateway), smoke ? 2_000 : 1_000_000);
        } finally {
            services.down(line -> System.out.println("[bench] " + line));
            stack.down(line -> System.out.println("[bench] " + line));
        }
        write(smoke, steps, kafka, loadBefore, BenchReport.loadAverage());
    }

    /** Took what was offered, each consumer's p99 within the bound, nothing lost or doubled. */
    static boolean held(double rate, EndToEndBench.Outcome outcome) {
        if (((Number) outcome.results().get("sustainedRate")).doubleValue() < 0.98 * rate) {
            return false;
        }
        for (String consumer : CONSUMERS) {
            Map<?, ?> figures = (Map<?, ?>) outcome.results().get(consumer);
            if (((Number) figures.get("p99Millis")).longValue() > MAX_P99_MILLIS || ((Number) figures.get("lost")).longValue() != 0
                    || ((Number) figures.get("duplicated")).longValue() != 0) {
                return false;
            }
        }
        return true;
    }

    private static void write(boolean smoke, List<Step> steps, IngestBench.ProducerPerformance kafka, String loadBefore, String loadAfter)
            throws IOException {
        String name = smoke ? "e2e-max-smoke" : "e2e-max";
        double best = steps.stream().filter(Step::held).mapToDouble(Step::offered).max().orElse(0);
        StringBuilder md = new StringBuilder("# Highest end-to-end rate" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, loadAfter));
        md.append("Command: `./mesh bench e2e --max").append(smoke ? " --smoke" : "").append("`: the end-to-end scenario (one gateway,"
                + " one instance of each consumer, purchases as 100 users, open loop) stepped up by half from 1,000 actions/s"
                + " (down by a third while 1,000/s and below miss), ")
                .append(String.format(Locale.ROOT, "%.0f", steps.isEmpty() ? 0.0 : ((Number) steps.get(0).outcome().results().get("seconds")).doubleValue()))
                .append(" s a step, until one misses, then halving the gap between held and missed to within 10%: a step holds when"
                        + " the mesh takes ≥ 98% of what is offered, each consumer's p99 from 202 to effect ≤ ")
                .append(MAX_P99_MILLIS).append(" ms, nothing lost or duplicated.\n\n");
        md.append("| offered/s | taken/s | 202 p99 | notification p99 | billing p99 | analytics p99 | lost | duplicated | step |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        List<Object> json = new ArrayList<>();
        for (Step step : steps) {
            Map<String, Object> r = step.outcome().results();
            long lost = 0;
            long duplicated = 0;
            StringBuilder p99s = new StringBuilder();
            for (String consumer : CONSUMERS) {
                Map<?, ?> figures = (Map<?, ?>) r.get(consumer);
                p99s.append(String.format(Locale.ROOT, " %s ms |", figures.get("p99Millis")));
                lost += ((Number) figures.get("lost")).longValue();
                duplicated += ((Number) figures.get("duplicated")).longValue();
            }
            md.append(String.format(Locale.ROOT, "| %,.0f | %,.0f | %.1f ms |%s %d | %d | %s |%n", step.offered(),
                    ((Number) r.get("sustainedRate")).doubleValue(), ((Number) r.get("acceptP99Micros")).longValue() / 1000.0, p99s,
                    lost, duplicated, step.held() ? "held" : "**missed**"));
            Map<String, Object> one = step.outcome().resultsWithPerSecond();
            one.put("held", step.held());
            json.add(one);
        }
        md.append(String.format(Locale.ROOT, "%nHighest rate held: **%,.0f actions/s** (target ≥ 3,000: %s). Kafka's ProducerPerformance on the"
                        + " same broker and record size: %,.0f records/s (`%s`), so the mesh end to end is %.0f%% of it.%n", best,
                best >= 3000 ? "met" : "**missed**", kafka.recordsPerSecond(), kafka.command(), 100 * best / kafka.recordsPerSecond()));
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("highestHeldRate", best);
        results.put("producerPerformanceRecordsPerSecond", kafka.recordsPerSecond());
        results.put("steps", json);
        Path dir = BenchReport.directory();
        Files.writeString(dir.resolve(name + ".md"), md);
        Files.writeString(dir.resolve(name + ".json"), BenchReport.json(results));
        System.out.println(md);
        System.out.println("[bench] report: " + dir.resolve(name + ".md"));
    }
}
