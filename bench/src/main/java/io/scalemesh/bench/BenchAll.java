package io.scalemesh.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.StackSettings;

/**
 * {@code ./mesh bench} with no scenario: every scenario in one run (footprint, ingest, end to end,
 * tasks, profiles, gateway), each on a fresh bench devstack, then {@code report.md} and
 * {@code report.json} in {@code bench/reports/<date>/} that gather them with the machine's facts.
 * {@code --smoke} runs each briefly; {@code --report-only} ({@code ./mesh bench report}) only gathers
 * the day's scenario reports again, after one of them was re-run.
 */
public final class BenchAll {

    /** Scenario, its report's base name, and how it runs. */
    private record Scenario(String name, String report, ThrowingMain main) {
    }

    @FunctionalInterface
    private interface ThrowingMain {
        void run(String[] args) throws Exception;
    }

    /**
     * Lets the machine calm down after the previous scenario (JVMs exiting, PostgreSQL checkpoints):
     * up to three minutes, until the 1-minute load average is below 1.5 (after the end-to-end run
     * it is near 8, and it takes about two minutes idle to fall that far). Each report says its load anyway.
     */
    private static void settle() throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (Double.parseDouble(BenchReport.loadAverage()) < 1.5) {
                    return;
                }
            } catch (NumberFormatException e) {
                return;
            }
            Thread.sleep(2000);
        }
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        // --report-only: gather today's per-scenario reports again (after re-running one scenario).
        boolean reportOnly = List.of(args).contains("--report-only");
        List<Scenario> scenarios = List.of(
                new Scenario("footprint", "footprint", FootprintBench::main),
                new Scenario("ingest", "ingest", IngestBench::main),
                new Scenario("e2e", "e2e", EndToEndBench::main),
                new Scenario("drain", "drain", DrainBench::main),
                new Scenario("tasks", "tasks", TaskBench::main),
                new Scenario("profiles", "profiles", ProfileBench::main),
                new Scenario("gateway", "gateway", GatewayBench::main));
        String loadBefore = BenchReport.loadAverage();
        Instant started = Instant.now();
        for (Scenario scenario : reportOnly ? List.<Scenario>of() : scenarios) {
            settle();
            System.out.println("[bench] ===== " + scenario.name() + " =====");
            // A fresh bench stack for each scenario: the end-to-end run's consumers once had to work
            // through the ingest run's 750,000 records first, and counted the actions queued behind them as lost.
            DevStack.of(StackSettings.Profile.BENCH).wipe();
            scenario.main().run(smoke ? new String[] {"--smoke"} : new String[0]);
        }
        Path dir = BenchReport.directory();
        String suffix = smoke ? "-smoke" : "";
        StringBuilder md = new StringBuilder("# scalemesh benchmark report" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, BenchReport.loadAverage()));
        md.append("Command: `./mesh bench").append(smoke ? " --smoke" : "").append("`").append(reportOnly ? " (gathered again by `./mesh bench report`)" : "")
                .append(", ").append(started).append(". Each section below is one scenario's report, on its own fresh bench devstack, with its own")
                .append(" command and load average.\n");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("machine", BenchReport.machineFacts(loadBefore, BenchReport.loadAverage()));
        json.put("started", started.toString());
        Map<String, Object> parts = new LinkedHashMap<>();
        for (Scenario scenario : scenarios) {
            Path report = dir.resolve(scenario.report() + suffix + ".md");
            md.append("\n").append(Files.readString(report).replaceAll("(?m)^# ", "## ").replaceAll("(?m)^Machine: .*\\n\\n", ""));
            parts.put(scenario.name(), new BenchReport.Raw(Files.readString(dir.resolve(scenario.report() + suffix + ".json"))));
        }
        json.put("scenarios", parts);
        if (!BenchReport.COMMANDS.isEmpty()) {
            md.append("\n## Exact load commands, in order\n\n");
            BenchReport.COMMANDS.forEach(c -> md.append("- `").append(c).append("`\n"));
            json.put("commands", BenchReport.COMMANDS.stream().map(c -> (Object) c).toList());
        }
        Files.writeString(dir.resolve("report" + suffix + ".md"), md);
        Files.writeString(dir.resolve("report" + suffix + ".json"), BenchReport.json(json));
        System.out.println("[bench] report: " + dir.resolve("report" + suffix + ".md"));
    }
}
