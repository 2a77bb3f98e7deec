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
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.scalemesh.devstack.Component;
import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.Processes;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;

/**
 * What the mesh costs to run: each service started alone on the bench devstack (so no other JVM
 * competes for the two cores), how long from its JVM's start until it is ready, as Quarkus logs it
 * ("started in") and as a client sees it (launch until readiness answers UP); then, with all six
 * running and idle, each one's resident memory and the whole mesh's, infrastructure included.
 * Targets: ready ≤ 3 s, ≤ 250 MB idle RSS per service, the whole mesh ≤ 3 GB.
 * Writes {@code bench/reports/<date>/footprint.md} and {@code footprint.json}.
 */
public final class FootprintBench {

    private static final Pattern STARTED = Pattern.compile("started in ([0-9.]+)s");
    private static final double READY_TARGET_SECONDS = 3;
    private static final double RSS_TARGET_MB = 250;
    private static final double MESH_TARGET_MB = 3 * 1024;

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        String loadBefore = BenchReport.loadAverage();
        stack.up(line -> System.out.println("[bench] " + line));
        ServiceInstances services = new ServiceInstances(stack);
        Map<String, Object> results = new LinkedHashMap<>();
        List<String> rows = new ArrayList<>();
        try {
            Map<MeshService, double[]> startup = new LinkedHashMap<>();
            for (MeshService service : MeshService.values()) {
                long begin = System.nanoTime();
                services.up(Map.of(service, 1), line -> System.out.println("[bench] " + line));
                double seenReady = (System.nanoTime() - begin) / 1e9;
                startup.put(service, new double[] {quarkusStarted(services.instance(service, 0).log()), seenReady});
            }
            // Idle: nothing sends anything; the JVMs settle after start-up (JIT, first GCs).
            Duration idle = Duration.ofSeconds(smoke ? 2 : 20);
            System.out.println("[bench] all six services up; idle for " + idle.toSeconds() + " s before measuring memory");
            Thread.sleep(idle.toMillis());
            double servicesMb = 0;
            for (Map.Entry<MeshService, double[]> entry : startup.entrySet()) {
                ServiceInstances.Instance instance = services.instance(entry.getKey(), 0);
                long pid = services.pid(instance).orElseThrow(() -> new IllegalStateException(instance.name() + " is not running"));
                double rssMb = rssKib(pid) / 1024.0;
                servicesMb += rssMb;
                double started = entry.getValue()[0];
                double ready = entry.getValue()[1];
                results.put(entry.getKey().id(), Map.of("quarkusStartedSeconds", started, "launchToReadySeconds", ready, "idleRssMb", rssMb));
                rows.add(String.format(Locale.ROOT, "| %s | %.2f s | %.2f s | %.0f MB | %s |", entry.getKey().id(), started, ready, rssMb,
                        verdict(started <= READY_TARGET_SECONDS && rssMb <= RSS_TARGET_MB)));
            }
            double infraMb = 0;
            for (Component component : stack.components()) {
                OptionalLong pid = component.pid();
                double mb = pid.isPresent() ? Processes.memoryKib(pid.getAsLong()) / 1024.0 : 0;
                infraMb += mb;
                results.put(component.name(), Map.of("memoryMb", mb));
                rows.add(String.format(Locale.ROOT, "| %s (infrastructure) | | | %.0f MB | |", component.name(), mb));
            }
            double meshMb = servicesMb + infraMb;
            results.put("servicesMb", servicesMb);
            results.put("infrastructureMb", infraMb);
            results.put("meshMb", meshMb);
            rows.add(String.format(Locale.ROOT, "| **the whole mesh** (6 services + infrastructure) | | | **%.0f MB** | %s |", meshMb,
                    verdict(meshMb <= MESH_TARGET_MB)));
        } finally {
            services.down(line -> System.out.println("[bench] " + line));
            stack.down(line -> System.out.println("[bench] " + line));
        }
        write(smoke, rows, results, loadBefore, BenchReport.loadAverage());
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**missed**";
    }

    /** The "started in" of the instance's last start, which Quarkus measures from the JVM's start. */
    static double quarkusStarted(Path log) throws IOException {
        Matcher m = STARTED.matcher(Files.readString(log));
        double last = -1;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        return last;
    }

    /** VmRSS: a JVM's own resident memory (the infrastructure is measured as PSS of its process tree). */
    static long rssKib(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0);
    }

    private static void write(boolean smoke, List<String> rows, Map<String, Object> results, String loadBefore, String loadAfter)
            throws IOException {
        String name = smoke ? "footprint-smoke" : "footprint";
        StringBuilder md = new StringBuilder("# Footprint" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, loadAfter));
        md.append("Command: `./mesh bench footprint").append(smoke ? " --smoke" : "").append("`. Each service started alone, JVM options")
                .append(" as `./mesh up` uses them (`-Xmx256m -XX:+UseSerialGC`); memory after all six ran idle together.\n\n");
        md.append("| service | ready after JVM start (Quarkus) | launch → readiness UP | idle RSS | targets (≤ 3 s, ≤ 250 MB) |\n")
                .append("|---|---|---|---|---|\n");
        rows.forEach(r -> md.append(r).append('\n'));
        Path dir = BenchReport.directory();
        Files.writeString(dir.resolve(name + ".md"), md);
        Files.writeString(dir.resolve(name + ".json"), BenchReport.json(results));
        System.out.println(md);
        System.out.println("[bench] report: " + dir.resolve(name + ".md"));
    }
}
