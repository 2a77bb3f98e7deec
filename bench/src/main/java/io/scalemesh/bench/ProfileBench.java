package io.scalemesh.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;

/**
 * profile-service reads, cached against uncached, in one run on the bench profile's own devstack:
 * seeds users, then drives {@code GET /api/v1/profiles/<user>} for random users with wrk at a fixed
 * connection count: with the cache warm (all users fit the instance's own tier), on a second
 * instance whose own tier is off (every hit is a Redis hit), and with every read bypassing the
 * cache ({@code Cache-Control: no-cache}: a replica read each time). Writes
 * {@code bench/reports/<date>/profiles.md} and {@code profiles.json}.
 */
public final class ProfileBench {

    private static final int CONNECTIONS = 16;

    private final HttpClient http = HttpClient.newHttpClient();
    private final Wrk wrk;
    private final int users;
    /** Straight to profile-service as an admin, who may read and write every seeded profile. */
    private final String adminToken;

    ProfileBench(StackSettings settings, int users) {
        this.wrk = new Wrk(settings.root());
        this.users = users;
        this.adminToken = Direct.token(settings, "bench-admin", true);
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = List.of(args).contains("--smoke");
        StackSettings settings = StackSettings.of(StackSettings.Profile.BENCH);
        new ProfileBench(settings, smoke ? 200 : 1000).run(smoke);
    }

    private void run(boolean smoke) throws Exception {
        Duration window = Duration.ofSeconds(smoke ? 2 : 5);
        Duration warm = Duration.ofSeconds(smoke ? 2 : 60);
        Duration measure = Duration.ofSeconds(smoke ? 3 : 15);
        DevStack stack = DevStack.of(StackSettings.Profile.BENCH);
        String loadBefore = BenchReport.loadAverage();
        stack.up(line -> System.out.println("[bench] " + line));
        ServiceInstances services = new ServiceInstances(stack).withEnvironment(Direct.LONG_LIVED_TOKENS);
        // Instance 1 keeps nothing in its own tier: what it serves from cache comes from Redis.
        ServiceInstances redisOnly = new ServiceInstances(stack).withEnvironment(Direct.LONG_LIVED_TOKENS)
                .withEnvironment(Map.of("MESH_PROFILE_CACHE_LOCAL_MAX_ENTRIES", "0"));
        Map<String, Object> results = new LinkedHashMap<>();
        List<Wrk.Run> runs = new ArrayList<>();
        Map<String, Double> cacheDuringCached = new LinkedHashMap<>();
        try {
            services.up(Map.of(MeshService.PROFILE, 1), line -> System.out.println("[bench] " + line));
            redisOnly.up(Map.of(MeshService.PROFILE, 2), line -> System.out.println("[bench] " + line));
            String base = "http://127.0.0.1:" + services.instance(MeshService.PROFILE, 0).port();
            String viaRedis = "http://127.0.0.1:" + services.instance(MeshService.PROFILE, 1).port();
            seed(base);
            // Warm the JIT on both paths (and fill the cache), then measure each mode.
            warmUp(base, "warm-up cached", false, window, warm);
            warmUp(viaRedis, "warm-up Redis tier", false, window, warm);
            warmUp(base, "warm-up uncached", true, window, warm);
            Map<String, Double> before = cacheCounters(base);
            runs.add(wrk(base, "cached", false, measure));
            Map<String, Double> after = cacheCounters(base);
            after.forEach((name, value) -> cacheDuringCached.put(name, value - before.getOrDefault(name, 0.0)));
            runs.add(wrk(base, "uncached (Cache-Control: no-cache)", true, measure));
            runs.add(wrk(viaRedis, "cached in Redis only (instance tier off)", false, measure));
        } finally {
            redisOnly.down(line -> System.out.println("[bench] " + line));
            services.down(line -> System.out.println("[bench] " + line));
            stack.down(line -> System.out.println("[bench] " + line));
        }
        Wrk.Run cached = runs.get(0);
        Wrk.Run uncached = runs.get(1);
        double ratio = cached.perSecond() / uncached.perSecond();
        double redisRatio = runs.get(2).perSecond() / uncached.perSecond();
        double hits = cacheDuringCached.getOrDefault("hits", 0.0);
        double hitRatio = hits / Math.max(1, hits + cacheDuringCached.getOrDefault("misses", 0.0));
        results.put("users", users);
        results.put("connections", CONNECTIONS);
        results.put("seconds", measure.toSeconds());
        for (Wrk.Run run : runs) {
            results.put(run.mode().split(" ")[0] + (run.mode().contains("Redis") ? "RedisTier" : ""), run.json());
        }
        results.put("throughputRatio", ratio);
        results.put("redisTierThroughputRatio", redisRatio);
        results.put("cacheHitRatioWhileCached", hitRatio);
        write(smoke, results, runs, ratio, redisRatio, hitRatio, loadBefore, BenchReport.loadAverage());
    }

    /** PUTs the users' profiles, then waits until every one is readable from its shard's replica. */
    void seed(String base) throws Exception {
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<HttpResponse<Void>>> puts = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            String user = "bench-" + i;
            String body = "{\"displayName\": \"Bench user " + i + "\", \"email\": \"" + user + "@example.org\", \"bio\": \""
                    + "x".repeat(200) + "\", \"preferences\": {\"theme\": \"dark\", \"lang\": \"en\", \"tz\": \"UTC\"}}";
            inFlight.acquire();
            puts.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/v1/profiles/" + user))
                            .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> inFlight.release()));
        }
        for (CompletableFuture<HttpResponse<Void>> put : puts) {
            int status = put.get().statusCode();
            if (status != 200 && status != 201) {
                throw new IllegalStateException("seeding a profile answered " + status);
            }
        }
        for (int i = 0; i < users; i++) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (get(base, "bench-" + i) != 200) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("bench-" + i + " never reached its replica");
                }
                Thread.sleep(20);
            }
        }
        System.out.println("[bench] seeded " + users + " profiles");
    }

    private int get(String base, String user) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/profiles/" + user))
                .header("Authorization", "Bearer " + adminToken).header("Cache-Control", "no-cache").build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    Wrk.Run wrk(String base, String mode, boolean bypass, Duration duration) throws IOException, InterruptedException {
        return wrk.run(mode, "profiles.lua", base, CONNECTIONS, duration, environment(bypass));
    }

    private Wrk.Run warmUp(String base, String mode, boolean bypass, Duration window, Duration max) throws IOException, InterruptedException {
        return wrk.warmUp(mode, "profiles.lua", base, CONNECTIONS, window, max, environment(bypass));
    }

    private Map<String, String> environment(boolean bypass) {
        return Map.of("BENCH_USERS", Integer.toString(users), "BENCH_BYPASS", bypass ? "1" : "0", "BENCH_TOKEN", adminToken);
    }

    /** The service's own count of cache hits (both tiers) and misses. */
    private Map<String, Double> cacheCounters(String base) throws IOException, InterruptedException {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(ServiceInstances.managementOf(base) + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> counters = new LinkedHashMap<>();
        counters.put("hits", sum(metrics, "scalemesh_cache_hits_total"));
        counters.put("misses", sum(metrics, "scalemesh_cache_misses_total"));
        return counters;
    }

    private static double sum(String metrics, String name) {
        Matcher m = Pattern.compile("^" + name + "\\{[^}]*\\} (\\S+)", Pattern.MULTILINE).matcher(metrics);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }

    private void write(boolean smoke, Map<String, Object> results, List<Wrk.Run> runs, double ratio, double redisRatio, double hitRatio,
            String loadBefore,
            String loadAfter) throws IOException {
        Path dir = BenchReport.directory();
        String name = smoke ? "profiles-smoke" : "profiles";
        Wrk.Run cached = runs.get(0);
        StringBuilder md = new StringBuilder("# profile-service benchmark" + (smoke ? " (smoke: short, numbers only)" : "") + "\n\n");
        md.append(BenchReport.machine(loadBefore, loadAfter));
        md.append("Command: `./mesh bench profiles").append(smoke ? " --smoke" : "").append("`: one profile-service instance, ")
                .append(users).append(" users on 64 logical shards over 2 PostgreSQL servers (each with a streaming replica), wrk with ")
                .append(CONNECTIONS).append(" connections and 2 threads, random users.\n\n");
        md.append(Wrk.TABLE_HEADER);
        runs.forEach(run -> md.append(run.row()).append('\n'));
        md.append(String.format(Locale.ROOT, "%nCached ÷ uncached throughput: **%.1f×** (target ≥ 3×: %s). Cached p99 %.2f ms (target ≤ 10 ms: %s)."
                        + " Cache hit ratio while cached: %.1f%%.%n", ratio, ratio >= 3 ? "met" : "**missed**", cached.p99Micros() / 1000.0,
                cached.p99Micros() <= 10_000 ? "met" : "**missed**", 100 * hitRatio));
        md.append(String.format(Locale.ROOT, "With every hit coming from Redis (a second instance, its own tier off): %.1f× uncached.%n",
                redisRatio));
        Files.writeString(dir.resolve(name + ".md"), md);
        Files.writeString(dir.resolve(name + ".json"), BenchReport.json(results));
        System.out.println(md);
        System.out.println("[bench] report: " + dir.resolve(name + ".md"));
    }
}
