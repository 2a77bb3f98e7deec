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
final class BenchReport {

    private BenchReport() {
    }

    static Path directory() throws IOException {
        Path dir = StackSettings.of(StackSettings.Profile.BENCH).root().resolve("bench/reports").resolve(LocalDate.now().toString());
        Files.createDirectories(dir);
        return dir;
    }

    /** The machine line: cores and the load average around the run (the load generator shares the machine). */
    static String machine(String loadBefore, String loadAfter) {
        return "Machine: " + Runtime.getRuntime().availableProcessors() + " cores; load average before " + loadBefore + ", after "
                + loadAfter + ". Load generator on the same machine.\n\n";
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", 4)[0];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Numbers, strings, maps and {@link OpenLoad.Result}s as JSON. */
    static String json(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(e -> "\"" + e.getKey() + "\": " + json(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        if (value instanceof OpenLoad.Result r) {
            return json(new LinkedHashMap<String, Object>(Map.of("targetRate", r.targetRate(), "seconds", r.seconds(), "sent", r.sent(),
                    "statuses", r.statuses(), "errors", r.errors(), "p50Micros", r.p50(), "p99Micros", r.p99(), "maxMicros", r.max())));
        }
        return value instanceof Number ? value.toString() : "\"" + value + "\"";
    }
}
