package io.scalemesh.bench.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.scalemesh.bench.BenchReport;
import io.scalemesh.bench.ConsumerState;
import io.scalemesh.bench.GatewayBench;
import io.scalemesh.bench.OpenLoad;
import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;

/**
 * {@code ./mesh chaos [SCENARIO...] [--short]}: on a fresh bench stack ({@link Mesh}), steady
 * mixed load through the gateway, then one fault at a time ({@link Scenarios}). After each, from
 * the consumers' own state: every purchase answered 202 has exactly one effect in each consumer
 * (none lost, none extra: an extra effect is a duplicate, or a purchase applied although its
 * client was refused), every task answered 202 succeeded and was charged once, clients saw only
 * the documented statuses, and how long the mesh took to recover. Writes
 * {@code bench/reports/<date>/chaos.md} and {@code chaos.json}; {@code --short} (run by
 * {@code ./mesh test}) runs three drills with shorter faults and writes its table to the stack's
 * state folder. Exits 1 if a drill failed.
 */
public final class ChaosDrill {

    static final List<String> SHORT = List.of("kill-billing", "kafka-freeze", "redis-stop");
    private static final double RATE = 40;
    /** How long consumers may make no progress before what they have not applied counts as lost. */
    private static final Duration STALL = Duration.ofSeconds(60);

    public static void main(String[] args) throws Exception {
        boolean shortRun = List.of(args).contains("--short");
        List<Scenario> chosen;
        try {
            chosen = choose(args, shortRun);
        } catch (IllegalArgumentException e) {
            System.err.println("mesh: " + e.getMessage()); // a usage error, not a stack trace
            System.exit(2);
            return;
        }
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        Consumer<String> progress = line -> System.out.println("[chaos] " + line);
        String loadBefore = BenchReport.loadAverage();
        ServiceInstances services = new ServiceInstances(stack).withEnvironment(GatewayBench.UNLIMITED);
        ServiceInstances workers = new ServiceInstances(stack).withEnvironment(GatewayBench.UNLIMITED)
                .withEnvironment(Map.of("MESH_TASK_ROLE", "worker"));
        Mesh mesh = new Mesh(stack, services, workers, progress);
        List<DrillOutcome> outcomes = new ArrayList<>();
        try {
            mesh.restore();
            for (Scenario scenario : chosen) {
                outcomes.add(drill(mesh, scenario, shortRun));
            }
        } finally {
            services.down(progress);
            stack.down(progress);
        }
        String report = DrillOutcome.markdown(outcomes, shortRun, BenchReport.machine(loadBefore, BenchReport.loadAverage()), RATE);
        Path dir = shortRun ? settings.stateDir() : BenchReport.directory();
        Files.writeString(dir.resolve(shortRun ? "chaos-short.md" : "chaos.md"), report);
        if (!shortRun) {
            Files.writeString(dir.resolve("chaos.json"), BenchReport.json(outcomes.stream().map(DrillOutcome::json).toList()));
        }
        System.out.println(report);
        System.out.println("[chaos] report: " + dir.resolve(shortRun ? "chaos-short.md" : "chaos.md"));
        long failed = outcomes.stream().filter(o -> !o.passed()).count();
        System.out.println("chaos: " + (outcomes.size() - failed) + " drills passed, " + failed + " failed");
        if (failed > 0) {
            System.exit(1);
        }
    }

    /** The drills named (all, or the short set, when none is), each fault held 10 s (5 s when short). */
    private static List<Scenario> choose(String[] args, boolean shortRun) {
        List<String> names = new ArrayList<>(List.of(args));
        names.remove("--short");
        List<Scenario> catalogue = Scenarios.all(shortRun ? Duration.ofSeconds(5) : Duration.ofSeconds(10));
        List<Scenario> chosen = new ArrayList<>();
        for (String name : names.isEmpty() ? (shortRun ? SHORT : catalogue.stream().map(Scenario::name).toList()) : names) {
            chosen.add(catalogue.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                    "no drill '" + name + "'; drills: " + catalogue.stream().map(Scenario::name).toList())));
        }
        return chosen;
    }

    private static DrillOutcome drill(Mesh mesh, Scenario scenario, boolean shortRun) throws Exception {
        Consumer<String> progress = mesh.progress();
        if (!mesh.healthy()) {
            progress.accept("restoring the mesh before " + scenario.name());
            mesh.restore();
        }
        progress.accept("drill " + scenario.name() + ": " + scenario.fault());
        String run = "chaos-" + scenario.name() + "-" + System.currentTimeMillis();
        ChaosLoad load = new ChaosLoad(mesh.gateway(), run, JwtKeys.of(mesh.settings()));
        List<String> timeline = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Duration before = Duration.ofSeconds(shortRun ? 3 : 5);
        Duration after = Duration.ofSeconds(shortRun ? 5 : 10);
        long begin;
        long healAt;
        long healedAt;
        try (OpenLoad client = new OpenLoad()) {
            // Every user has a profile first, so reads find one.
            for (int user = 0; user < ChaosLoad.USERS; user++) {
                int status = client.status(load.profileWrite(user, 0));
                if (status / 100 != 2) {
                    throw new IllegalStateException("could not create the profile of " + load.user(user) + ": HTTP " + status);
                }
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Exception> loadFailure = new AtomicReference<>();
            Thread loader = new Thread(() -> {
                try {
                    client.run(RATE, Duration.ofMinutes(15), load::request, load, stop::get);
                } catch (Exception e) {
                    loadFailure.set(e);
                }
            }, "chaos-load");
            begin = System.currentTimeMillis();
            loader.start();
            Thread.sleep(before.toMillis()); // steady load first: the drill's schedule, not a wait for a condition
            for (int i = 0; i < scenario.steps().size(); i++) {
                Scenario.Step step = scenario.steps().get(i);
                act(mesh, step, begin, timeline, failures);
                long holdUntil = System.currentTimeMillis() + step.hold().toMillis();
                if (i == scenario.steps().size() - 1) {
                    List<String> probe = scenario.probe().check(mesh);
                    probe.forEach(f -> failures.add("probe: " + f));
                }
                Thread.sleep(Math.max(0, holdUntil - System.currentTimeMillis()));
            }
            healAt = System.currentTimeMillis();
            for (Scenario.Step step : scenario.heal()) {
                act(mesh, step, begin, timeline, failures);
            }
            healedAt = System.currentTimeMillis();
            Thread.sleep(after.toMillis());
            stop.set(true);
            loader.join();
            timeline.add(String.format(Locale.ROOT, "%.1f s: load stopped", (System.currentTimeMillis() - begin) / 1000.0));
            if (loadFailure.get() != null) {
                failures.add("the load stopped: " + loadFailure.get());
            }
        }
        if (!mesh.healthy()) {
            failures.add("the mesh was not whole again after the drill (a process did not come back)");
        }
        Effects effects = Effects.await(new ConsumerState(mesh.settings()), mesh.gateway(), JwtKeys.of(mesh.settings()), run, load, STALL, progress);
        return DrillOutcome.of(scenario, load, effects, timeline, failures, begin, healAt, healedAt);
    }

    /** Runs one step; a step that fails is a failure of the drill, which then goes on to heal. */
    private static void act(Mesh mesh, Scenario.Step step, long begin, List<String> timeline, List<String> failures) {
        long at = System.currentTimeMillis();
        try {
            step.action().on(mesh);
            timeline.add(String.format(Locale.ROOT, "%.1f s: %s (%.1f s)", (at - begin) / 1000.0, step.label(),
                    (System.currentTimeMillis() - at) / 1000.0));
        } catch (Exception e) {
            failures.add("step '" + step.label() + "' failed: " + e.getMessage());
            timeline.add(String.format(Locale.ROOT, "%.1f s: %s FAILED: %s", (at - begin) / 1000.0, step.label(), e.getMessage()));
        }
        mesh.progress().accept(timeline.get(timeline.size() - 1));
    }

    static Map<String, Object> figures(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
