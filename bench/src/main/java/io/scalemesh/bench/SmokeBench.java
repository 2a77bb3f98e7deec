package io.scalemesh.bench;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;

/**
 * The harness kept working (run by ./mesh test): every scenario briefly (footprint, profiles,
 * gateway, ingest, end to end, tasks) on one bench stack with one instance of each service. It
 * checks that each produced numbers without errors (end to end, that nothing was lost or
 * duplicated; tasks, that every accepted task was done), not that they reach targets: a shared CI
 * machine says nothing about those. Its table goes to the bench stack's state folder, not to
 * bench/reports.
 */
public final class SmokeBench {

    public static void main(String[] args) throws Exception {
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        Duration run = Duration.ofSeconds(2);
        Wrk wrk = new Wrk(settings.root());
        ProfileBench profiles = new ProfileBench(settings, 20);
        stack.up(line -> System.out.println("[smoke] " + line));
        ServiceInstances services = new ServiceInstances(stack).withEnvironment(IngestBench.environment())
                .withEnvironment(Direct.LONG_LIVED_TOKENS)
                .withEnvironment(Map.of("MESH_TASK_DEPTH_REFRESH", "0.25s"))
                // Its figures do not count, its start-up does: C1 alone compiles far less while six
                // JVMs boot on two cores.
                .withJavaOptions("-XX:TieredStopAtLevel=1");
        List<Wrk.Run> runs = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        StringBuilder table = new StringBuilder(Wrk.TABLE_HEADER);
        try {
            Map<MeshService, Integer> one = new java.util.EnumMap<>(MeshService.class);
            for (MeshService service : MeshService.values()) {
                one.put(service, 1);
            }
            services.up(one, line -> System.out.println("[smoke] " + line));
            // Footprint: each service's own start-up figure and resident memory, as the scenario reads them.
            for (MeshService service : MeshService.values()) {
                ServiceInstances.Instance instance = services.instance(service, 0);
                double started = FootprintBench.quarkusStarted(instance.log());
                long rssKib = FootprintBench.rssKib(services.pid(instance).orElse(-1));
                table.append(String.format(java.util.Locale.ROOT, "| footprint: %s | started in %.2f s | | | %.0f MB | |%n", service.id(), started,
                        rssKib / 1024.0));
                if (!(started > 0) || rssKib <= 0) {
                    failures.add("footprint of " + service.id() + ": started in " + started + " s, " + rssKib + " KiB");
                }
            }
            String direct = "http://127.0.0.1:" + services.instance(MeshService.PROFILE, 0).port();
            String gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
            profiles.seed(direct);
            runs.add(profiles.wrk(direct, "profiles cached", false, run));
            runs.add(profiles.wrk(direct, "profiles uncached", true, run));
            runs.add(wrk.run("through the gateway", "profiles.lua", gateway, 4, run, GatewayBench.throughGateway(settings)));
            IngestBench.Result ingest = IngestBench.measure(settings, gateway, Duration.ZERO, run, true);
            runs.addAll(ingest.runs());
            if (!(ingest.producerPerformance() > 0)) {
                failures.add("ProducerPerformance measured nothing");
            }
            TaskBench.Smoke tasks = TaskBench.smoke(settings, wrk, "http://127.0.0.1:" + services.instance(MeshService.TASK, 0).port(), run);
            runs.add(tasks.accepted());
            if (tasks.undone() != 0) {
                failures.add("tasks: " + tasks.undone() + " accepted tasks still undone a minute later");
            }
            EndToEndBench.Outcome e2e = EndToEndBench.measure(settings, gateway, 50, Duration.ofSeconds(2), Duration.ZERO);
            e2e.rows().forEach(row -> table.append(row).append('\n'));
            for (String consumer : List.of("notification", "billing", "analytics")) {
                Map<?, ?> figures = (Map<?, ?>) e2e.results().get(consumer);
                if (((Number) figures.get("lost")).longValue() != 0 || ((Number) figures.get("duplicated")).longValue() != 0
                        || ((Number) figures.get("effects")).longValue() == 0) {
                    failures.add("end to end, " + consumer + ": " + figures);
                }
            }
        } finally {
            services.down(line -> System.out.println("[smoke] " + line));
            stack.down(line -> System.out.println("[smoke] " + line));
        }
        runs.forEach(r -> table.append(r.row()).append('\n'));
        runs.stream().filter(r -> r.requests() == 0 || r.errors() > 0 || r.non2xx() > 0 || r.p50Micros() <= 0)
                .forEach(r -> failures.add(r.mode() + ": " + r.row()));
        Files.writeString(settings.stateDir().resolve("smoke.md"), table);
        System.out.print(table);
        failures.forEach(f -> System.out.println("smoke failure: " + f));
        int checks = runs.size() + 4 + MeshService.values().length + 1; // + ProducerPerformance, 3 consumers, footprints, tasks done
        System.out.println("smoke: " + (checks - failures.size()) + " passed, " + failures.size() + " failed");
        if (!failures.isEmpty()) {
            System.exit(1);
        }
    }
}
