package io.scalemesh.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import io.scalemesh.devstack.StackSettings;

/** Where a scenario's report goes ({@code bench/reports/<date>/}) and the facts every report carries. */
public final class BenchReport {

    private BenchReport() {
    }

    /** Every load command this JVM ran, in order, as it ran (tokens elided): report.md lists them. */
    static final java.util.List<String> COMMANDS = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    static void ran(String command) {
        COMMANDS.add(command);
    }

    public static Path directory() throws IOException {
        Path dir = StackSettings.of(StackSettings.Profile.BENCH).root().resolve("bench/reports").resolve(LocalDate.now().toString());
        Files.createDirectories(dir);
        return dir;
    }

    /** The machine line: cores and the load average around the run (the load generator shares the machine). */
    public static String machine(String loadBefore, String loadAfter) {
        return "Machine: " + Runtime.getRuntime().availableProcessors() + " cores (" + cpuModel() + "), " + memoryGib()
                + " GiB; load average before " + loadBefore + ", after " + loadAfter + ". Load generator on the same machine.\n\n";
    }

    /** The same facts for report.json. */
    static Map<String, Object> machineFacts(String loadBefore, String loadAfter) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("cores", Runtime.getRuntime().availableProcessors());
        facts.put("cpu", cpuModel());
        facts.put("memoryGib", memoryGib());
        facts.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        facts.put("java", System.getProperty("java.version"));
        facts.put("loadAverageBefore", loadBefore);
        facts.put("loadAverageAfter", loadAfter);
        return facts;
    }

    /** JSON written elsewhere, embedded as it is. */
    record Raw(String json) {
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static long memoryGib() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0) / (1024 * 1024);
        } catch (IOException e) {
            return 0;
        }
    }

    public static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", 4)[0];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Numbers, strings, maps and {@link OpenLoad.Result}s as JSON. */
    public static String json(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(e -> "\"" + e.getKey() + "\": " + json(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        if (value instanceof OpenLoad.Result r) {
            return json(new LinkedHashMap<String, Object>(Map.of("targetRate", r.targetRate(), "seconds", r.seconds(), "sent", r.sent(),
                    "statuses", r.statuses(), "errors", r.errors(), "p50Micros", r.p50(), "p99Micros", r.p99(), "maxMicros", r.max())));
        }
        if (value instanceof java.util.List<?> list) {
            return list.stream().map(BenchReport::json).collect(Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Raw raw) {
            return raw.json().trim();
        }
        return value instanceof Number || value instanceof Boolean ? value.toString()
                : "\"" + String.valueOf(value).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
