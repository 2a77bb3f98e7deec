package io.scalemesh.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./mesh bench} with no scenario: every scenario in one run (footprint, ingest, end to end,
 * tasks, profiles, gateway), each on a fresh bench devstack, then {@code report.md} and
 * {@code report.json} in {@code bench/reports/<date>/} that gather them with the machine's facts.
 * {@code --smoke} runs each briefly.
 */
public final class BenchAll {

    /** Scenario, its report's base name, and how it runs. */
    private record Scenario(String name, String report, ThrowingMain main) {
    }

    @FunctionalInterface
    private interface ThrowingMain {
        void run(String[] args) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        List<Scenario> scenarios = List.of(
                new Scenario("footprint", "footprint", FootprintBench::main),
                new Scenario("ingest", "ingest", IngestBench::main),
                new Scenario("e2e", "e2e", EndToEndBench::main),
                new Scenario("tasks", "tasks", TaskBench::main),
                new Scenario("profiles", "profiles", ProfileBench::main),
                new Scenario("gateway", "gateway", GatewayBench::main));
        String loadBefore = BenchReport.loadAverage();
        Instant started = Instant.now();
        for (Scenario scenario : scenarios) {
            System.out.println("[bench] ===== " + scenario.name() + " =====");
            scenario.main().run(smoke ? new String[] {"--smoke"} : new String[0]);
        }
        Path dir = BenchReport.directory();
        String suffix = smoke ? "-smoke" : "";
        StringBuilder md = new StringBuilder("# scalemesh benchmark report" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, BenchReport.loadAverage()));
        md.append("Command: `./mesh bench").append(smoke ? " --smoke" : "").append("`, started ").append(started)
                .append(". Each section below is one scenario's report, on its own fresh bench devstack.\n");
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
        Files.writeString(dir.resolve("report" + suffix + ".md"), md);
        Files.writeString(dir.resolve("report" + suffix + ".json"), BenchReport.json(json));
        System.out.println("[bench] report: " + dir.resolve("report" + suffix + ".md"));
    }
}
