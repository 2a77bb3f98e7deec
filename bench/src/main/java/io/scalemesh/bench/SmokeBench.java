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
 * The harness kept working, in well under a minute (run by ./mesh test): the profile and gateway
 * scenarios, briefly, on one bench stack. It checks that each produced numbers without errors,
 * not that they reach targets (a shared CI machine says nothing about those). Its table goes to
 * the bench stack's state folder, not to bench/reports.
 */
public final class SmokeBench {

    public static void main(String[] args) throws Exception {
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        Duration run = Duration.ofSeconds(2);
        Wrk wrk = new Wrk(settings.root());
        ProfileBench profiles = new ProfileBench(settings.root(), 20);
        stack.up(line -> System.out.println("[smoke] " + line));
        ServiceInstances services = new ServiceInstances(stack).withEnvironment(GatewayBench.UNLIMITED);
        List<Wrk.Run> runs = new ArrayList<>();
        try {
            services.up(Map.of(MeshService.PROFILE, 1, MeshService.API_GATEWAY, 1), line -> System.out.println("[smoke] " + line));
            String direct = "http://127.0.0.1:" + services.instance(MeshService.PROFILE, 0).port();
            String gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
            profiles.seed(direct);
            runs.add(profiles.wrk(direct, "profiles cached", false, run));
            runs.add(profiles.wrk(direct, "profiles uncached", true, run));
            runs.add(wrk.run("through the gateway", "profiles.lua", gateway, 4, run, GatewayBench.throughGateway(settings)));
        } finally {
            services.down(line -> System.out.println("[smoke] " + line));
            stack.down(line -> System.out.println("[smoke] " + line));
        }
        StringBuilder table = new StringBuilder(Wrk.TABLE_HEADER);
        runs.forEach(r -> table.append(r.row()).append('\n'));
        Files.writeString(settings.stateDir().resolve("smoke.md"), table);
        System.out.print(table);
        long failed = runs.stream().filter(r -> r.requests() == 0 || r.errors() > 0 || r.non2xx() > 0 || r.p50Micros() <= 0).count();
        System.out.println("smoke: " + (runs.size() - failed) + " passed, " + failed + " failed");
        if (failed > 0) {
            System.exit(1);
        }
    }
}
