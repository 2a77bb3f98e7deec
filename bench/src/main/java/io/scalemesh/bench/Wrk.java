package io.scalemesh.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * wrk (Debian's package; {@code ./mesh bench} installs it) with one of the scripts in
 * {@code bench/src/main/resources/wrk/}, which print a {@code RESULT ...} line. Closed loop: each
 * connection sends its next request when the last answered, so throughput is what the server
 * sustains at that concurrency, and with one connection the latency is one request's own.
 */
final class Wrk {

    /** One run's figures; latencies in microseconds. */
    record Run(String mode, long requests, double seconds, long p50Micros, long p99Micros, long maxMicros, long errors, long non2xx) {
        double perSecond() {
            return requests / seconds;
        }

        String row() {
            return String.format(Locale.ROOT, "| %s | %.0f req/s | %.2f ms | %.2f ms | %.1f ms | %d (+%d non-2xx) |", mode, perSecond(),
                    p50Micros / 1000.0, p99Micros / 1000.0, maxMicros / 1000.0, errors, non2xx);
        }

        Map<String, Object> json() {
            return Map.of("requestsPerSecond", perSecond(), "p50Micros", p50Micros, "p99Micros", p99Micros, "maxMicros", maxMicros,
                    "errors", errors, "non2xx", non2xx);
        }
    }

    static final String TABLE_HEADER = "| requests | throughput | p50 | p99 | max | errors |\n|---|---|---|---|---|---|\n";

    private static final Pattern RESULT = Pattern.compile("RESULT requests=(\\d+) duration_us=(\\d+) p50_us=(\\d+) p99_us=(\\d+)"
            + " max_us=(\\d+) errors=(\\d+) non2xx=(\\d+)");

    private final Path scripts;

    Wrk(Path root) {
        this.scripts = root.resolve("bench/src/main/resources/wrk");
    }

    /**
     * Loads until the JVMs have settled: runs of {@code window} until the last three are within 5%
     * of each other in throughput (two could be, halfway up a slow climb), {@code max} at most in
     * all. On two shared cores C2 keeps compiling for a minute or more under load; a fixed warm-up
     * measured JVMs that were still speeding up, and the figures swung with it.
     */
    Run warmUp(String mode, String script, String url, int connections, Duration window, Duration max, Map<String, String> environment)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        List<Double> rates = new ArrayList<>();
        for (int windows = 1;; windows++) {
            Run run = run(mode + " " + windows, script, url, connections, window, environment);
            rates.add(run.perSecond());
            List<Double> last = rates.subList(Math.max(0, rates.size() - 3), rates.size());
            if (last.size() == 3 && java.util.Collections.max(last) <= 1.05 * java.util.Collections.min(last)) {
                System.out.printf(Locale.ROOT, "[bench] %s: steady after %d runs of %d s%n", mode, windows, window.toSeconds());
                return run;
            }
            if (System.nanoTime() + window.toNanos() > deadline) {
                System.out.printf(Locale.ROOT, "[bench] %s: not steady after %d runs of %d s; measuring anyway%n", mode, windows,
                        window.toSeconds());
                return run;
            }
        }
    }

    /**
     * One run; if no request completed in it (every answer took longer than the run, as on a slow
     * machine's cold JVM), runs again for twice as long, three tries at most: a run that counted
     * nothing measured nothing.
     */
    Run run(String mode, String script, String url, int connections, Duration duration, Map<String, String> environment)
            throws IOException, InterruptedException {
        Run run = once(mode, script, url, connections, duration, environment);
        for (int tries = 1; run.requests() == 0 && tries < 3; tries++) {
            duration = duration.multipliedBy(2);
            System.out.printf(Locale.ROOT, "[bench] %s: no request completed; again for %d s%n", mode, duration.toSeconds());
            run = once(mode, script, url, connections, duration, environment);
        }
        return run;
    }

    private Run once(String mode, String script, String url, int connections, Duration duration, Map<String, String> environment)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("wrk", "-t" + Math.min(2, connections), "-c" + connections,
                "-d" + duration.toSeconds() + "s", "--timeout", "5s", "-s", scripts.resolve(script).toString(), url));
        Map<String, String> shown = new java.util.TreeMap<>(environment);
        shown.computeIfPresent("BENCH_TOKEN", (name, token) -> "<a signed JWT>");
        System.out.println("[bench] " + mode + ": " + shown + " " + String.join(" ", command));
        BenchReport.ran(shown.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(" "))
                + (shown.isEmpty() ? "" : " ") + String.join(" ", command));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process wrk = builder.start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0) {
            throw new IllegalStateException("wrk failed:\n" + output);
        }
        Matcher m = RESULT.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("wrk printed no result:\n" + output);
        }
        Run run = new Run(mode, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) / 1e6, Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6)), Long.parseLong(m.group(7)));
        System.out.printf(Locale.ROOT, "[bench] %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms%n", mode, run.perSecond(),
                run.p50Micros() / 1000.0, run.p99Micros() / 1000.0);
        return run;
    }
}
