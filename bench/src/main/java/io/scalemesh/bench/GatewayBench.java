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
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;
import io.scalemesh.devstack.Tokens;

/**
 * What the gateway costs: the same {@code GET /api/v1/profiles/<user>} (a cached profile) straight to
 * profile-service and through the gateway, in one run on the bench devstack. With one connection
 * each request's own latency (the gateway's added p50); with 16, the throughput. Through the
 * gateway a request is authenticated (RS256), rate-limited (a Redis Lua script) and proxied.
 * Writes {@code bench/reports/<date>/gateway.md} and {@code gateway.json}.
 */
public final class GatewayBench {

    private static final String USER = "bench-0";

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        Duration window = Duration.ofSeconds(smoke ? 2 : 5);
        Duration warm = Duration.ofSeconds(smoke ? 2 : 60);
        Duration measure = Duration.ofSeconds(smoke ? 3 : 15);
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        Wrk wrk = new Wrk(settings.root());
        String loadBefore = BenchReport.loadAverage();
        stack.up(line -> System.out.println("[bench] " + line));
        ServiceInstances services = new ServiceInstances(stack).withEnvironment(UNLIMITED).withEnvironment(Direct.LONG_LIVED_TOKENS);
        List<Wrk.Run> runs = new ArrayList<>();
        try {
            services.up(Map.of(MeshService.PROFILE, 1, MeshService.API_GATEWAY, 1), line -> System.out.println("[bench] " + line));
            String direct = "http://127.0.0.1:" + services.instance(MeshService.PROFILE, 0).port();
            String gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
            new ProfileBench(settings, 1).seed(direct);
            // Straight to the service with the identity token the gateway would forward for that user.
            Map<String, String> straight = Map.of("BENCH_USERS", "1", "BENCH_TOKEN", Direct.token(settings, USER, false));
            Map<String, String> proxied = throughGateway(settings);
            wrk.warmUp("warm-up direct", "profiles.lua", direct, 8, window, warm, straight);
            wrk.warmUp("warm-up through the gateway", "profiles.lua", gateway, 8, window, warm, proxied);
            runs.add(wrk.run("direct, 1 connection", "profiles.lua", direct, 1, measure, straight));
            runs.add(wrk.run("through the gateway, 1 connection", "profiles.lua", gateway, 1, measure, proxied));
            runs.add(wrk.run("direct, 16 connections", "profiles.lua", direct, 16, measure, straight));
            runs.add(wrk.run("through the gateway, 16 connections", "profiles.lua", gateway, 16, measure, proxied));
        } finally {
            services.down(line -> System.out.println("[bench] " + line));
            stack.down(line -> System.out.println("[bench] " + line));
        }
        write(smoke, runs, loadBefore, BenchReport.loadAverage());
    }

    /** The limits far above any load: the benches measure the limiter's cost, not its refusals. */
    public static final Map<String, String> UNLIMITED = Map.of("MESH_GATEWAY_RATE_LIMIT_DEFAULTS_CAPACITY", "100000000",
            "MESH_GATEWAY_RATE_LIMIT_DEFAULTS_REFILL_PER_SECOND", "100000000");

    /** profiles.lua's settings for reading the seeded user's profile through the gateway, with a token. */
    static Map<String, String> throughGateway(StackSettings settings) {
        return Map.of("BENCH_USERS", "1", "BENCH_TOKEN", Tokens.signedWith(JwtKeys.of(settings)).subject(USER).lifetime(Duration.ofHours(2)).sign());
    }

    private static void write(boolean smoke, List<Wrk.Run> runs, String loadBefore, String loadAfter) throws IOException {
        double addedP50 = (runs.get(1).p50Micros() - runs.get(0).p50Micros()) / 1000.0;
        double addedP99 = (runs.get(1).p99Micros() - runs.get(0).p99Micros()) / 1000.0;
        double throughputShare = runs.get(3).perSecond() / runs.get(2).perSecond();
        Map<String, Object> results = new LinkedHashMap<>();
        String[] keys = {"direct1", "gateway1", "direct16", "gateway16"};
        for (int i = 0; i < runs.size(); i++) {
            results.put(keys[i], runs.get(i).json());
        }
        results.put("addedP50Millis", addedP50);
        results.put("addedP99Millis", addedP99);
        results.put("gatewayThroughputShare", throughputShare);
        String name = smoke ? "gateway-smoke" : "gateway";
        StringBuilder md = new StringBuilder("# api-gateway benchmark" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, loadAfter));
        md.append("Command: `./mesh bench ").append(smoke ? "gateway --smoke" : "gateway").append("`: one profile-service and one gateway")
                .append(" instance; the same cached profile GET straight to the service (identity header) and through the gateway")
                .append(" (RS256 token verified, Redis rate limit, proxied). wrk, closed loop.\n\n");
        md.append(Wrk.TABLE_HEADER);
        runs.forEach(run -> md.append(run.row()).append('\n'));
        md.append(String.format(Locale.ROOT, "%nThe gateway adds **%.2f ms at p50** (target ≤ 2 ms: %s) and %.2f ms at p99, one request at a time."
                        + " With 16 connections it passes %.0f%% of the throughput the service serves directly (both on the same 2 cores).%n",
                addedP50, addedP50 <= 2 ? "met" : "**missed**", addedP99, 100 * throughputShare));
        Path dir = BenchReport.directory();
        Files.writeString(dir.resolve(name + ".md"), md);
        Files.writeString(dir.resolve(name + ".json"), BenchReport.json(results));
        System.out.println(md);
        System.out.println("[bench] report: " + dir.resolve(name + ".md"));
    }
}
