package io.scalemesh.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * An open-loop load generator: requests go out on a fixed schedule whatever the server does, and
 * each latency runs from the request's scheduled time, so a stalled server shows as latency, not
 * as fewer requests (no coordinated omission).
 */
public final class OpenLoad {

    /** What one run measured. Latencies are in microseconds. */
    public record Result(double targetRate, double seconds, int sent, Map<Integer, Integer> statuses, int errors,
            long p50, long p99, long max) {

        public double rate(int status) {
            return statuses.getOrDefault(status, 0) / seconds;
        }
    }

    private static final int MAX_IN_FLIGHT = 256;

    // HTTP/1.1, one request per connection at a time, as wrk does. The JDK client's default upgrades
    // to HTTP/2 (h2c) and multiplexes every request over one connection: its single connection's
    // framing and HPACK then capped the load at ~700 requests/s, well below what the mesh takes.
    // Two threads complete the answers: the default cached pool grew a thread per in-flight answer,
    // dozens of threads competing with the mesh for the same two cores.
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "open-load");
                t.setDaemon(true);
                return t;
            }))
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(MAX_IN_FLIGHT);
    /** The last run's latency of each request, by index (µs from its scheduled time). */
    private long[] latencies = new long[0];

    long[] latencies() {
        return latencies;
    }

    /** Told of each answer: the request's index, its status and body, and when it arrived (epoch ms). */
    public interface Answers {
        void answered(int index, int status, String body, long atMillis);
    }

    /** Sends {@code rate} requests per second for {@code duration}; {@code request} builds the i-th request. */
    public Result run(double rate, Duration duration, IntFunction<HttpRequest> request) throws InterruptedException {
        return run(rate, duration, request, null);
    }

    /** As above; {@code answers}, if given, is told of every answer with its body. */
    public Result run(double rate, Duration duration, IntFunction<HttpRequest> request, Answers answers) throws InterruptedException {
        int total = (int) Math.round(rate * duration.toNanos() / 1e9);
        long[] latencies = new long[total];
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicInteger errors = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(total);
        long interval = (long) (1e9 / rate);
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long scheduled = start + i * interval;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int index = i;
            // At most MAX_IN_FLIGHT requests at once, so the client reuses a bounded set of
            // connections (unbounded, it opened one per request and ran out of local ports). A wait
            // here still counts: latency runs from the scheduled time.
            inFlight.acquire();
            http.sendAsync(request.apply(i), HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
                latencies[index] = (System.nanoTime() - scheduled) / 1000;
                if (failure != null) {
                    errors.incrementAndGet();
                } else {
                    statuses.merge(response.statusCode(), 1, Integer::sum);
                    if (answers != null) {
                        answers.answered(index, response.statusCode(), response.body(), System.currentTimeMillis());
                    }
                }
                inFlight.release();
                done.countDown();
            });
        }
        done.await(60, TimeUnit.SECONDS);
        this.latencies = latencies;
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return new Result(rate, seconds, total, new TreeMap<>(statuses), errors.get(), percentile(sorted, 0.50),
                percentile(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
    }

    public static HttpRequest.Builder post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
