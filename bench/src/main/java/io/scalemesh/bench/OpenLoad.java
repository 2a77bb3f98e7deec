package io.scalemesh.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * An open-loop load generator: requests go out on a fixed schedule whatever the server does, and
 * each latency runs from the request's scheduled time, so a stalled server shows as latency, not
 * as fewer requests (no coordinated omission).
 *
 * <p>It runs on the machine it measures, so what it costs is taken from the mesh: HTTP/1.1 over
 * Vert.x's client on one event loop, keep-alive connections, one request per connection at a time
 * (as wrk does). The JDK's HttpClient took a third of a core at 1,000 requests/s (its selector
 * thread hands every answer to an executor); with h2c it multiplexed everything over one
 * connection, whose framing and HPACK capped the load at ~700 requests/s.
 */
public final class OpenLoad implements AutoCloseable {

    /** What one run measured. Latencies are in microseconds. */
    public record Result(double targetRate, double seconds, int sent, Map<Integer, Integer> statuses, int errors,
            long p50, long p99, long max) {

        public double rate(int status) {
            return statuses.getOrDefault(status, 0) / seconds;
        }
    }

    /** One request: its method, absolute URL, headers and body (null for none). */
    public record Request(HttpMethod method, String url, Map<String, String> headers, String body) {

        public static Request get(String url) {
            return new Request(HttpMethod.GET, url, Map.of(), null);
        }

        public static Request post(String url, String json) {
            return new Request(HttpMethod.POST, url, Map.of("Content-Type", "application/json"), json);
        }

        public static Request put(String url, String json) {
            return new Request(HttpMethod.PUT, url, Map.of("Content-Type", "application/json"), json);
        }

        public Request header(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Request(method, url, more, body);
        }
    }

    private static final int MAX_IN_FLIGHT = 256;

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    // At most MAX_IN_FLIGHT requests at once over as many connections (unbounded, a client opened
    // one per request and ran out of local ports).
    private final HttpClient http = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1)
            .setKeepAlive(true).setConnectTimeout(2_000), new PoolOptions().setHttp1MaxSize(MAX_IN_FLIGHT).setMaxWaitQueueSize(-1));
    private final Context loop = vertx.getOrCreateContext();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    /** The last run's latency of each request, by index (µs from its scheduled time). */
    private long[] latencies = new long[0];

    long[] latencies() {
        return latencies;
    }

    /** Told of each answer (on the client's event loop). */
    public interface Answers {
        void answered(int index, Reply reply);
    }

    /**
     * One answer: its status, or 0 when none came (refused, reset, timed out: {@code body} then
     * says why), its body, its {@code Retry-After} (null without one) and when it arrived (epoch ms).
     */
    public record Reply(int status, String body, String retryAfter, long atMillis) {
    }

    /** Sends {@code rate} requests per second for {@code duration}; {@code request} builds the i-th request. */
    public Result run(double rate, Duration duration, IntFunction<Request> request) throws InterruptedException {
        return run(rate, duration, request, null);
    }

    /** As above; {@code answers}, if given, is told of every answer. */
    public Result run(double rate, Duration duration, IntFunction<Request> request, Answers answers) throws InterruptedException {
        return run(rate, duration, request, answers, () -> false);
    }

    /** As above, stopping early once {@code stop} says so (checked before each request). */
    public Result run(double rate, Duration duration, IntFunction<Request> request, Answers answers, BooleanSupplier stop)
            throws InterruptedException {
        int total = (int) Math.round(rate * duration.toNanos() / 1e9);
        long[] latencies = new long[total];
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicInteger errors = new AtomicInteger();
        long interval = (long) (1e9 / rate);
        long start = System.nanoTime();
        int sent = 0;
        for (int i = 0; i < total && !stop.getAsBoolean(); i++, sent++) {
            long scheduled = start + i * interval;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int index = i;
            // A wait for a free slot still counts: latency runs from the scheduled time.
            inFlight.acquire();
            Request r = request.apply(i);
            // Sent from the client's own event loop: set up from this thread, a fast answer's body
            // could arrive before its handler was set, and read as empty (4 of 60,000 did).
            loop.runOnContext(ignored -> exchange(r).onComplete(answer -> {
                latencies[index] = (System.nanoTime() - scheduled) / 1000;
                if (answer.failed()) {
                    errors.incrementAndGet();
                } else {
                    statuses.merge(answer.result().status(), 1, Integer::sum);
                }
                if (answers != null) {
                    answers.answered(index, answer.failed()
                            ? new Reply(0, String.valueOf(answer.cause()), null, System.currentTimeMillis())
                            : new Reply(answer.result().status(), answer.result().body(), answer.result().retryAfter(),
                                    System.currentTimeMillis()));
                }
                inFlight.release();
            }));
        }
        // Every request in flight holds a permit: all of them back means every answer is in.
        if (inFlight.tryAcquire(MAX_IN_FLIGHT, 60, TimeUnit.SECONDS)) {
            inFlight.release(MAX_IN_FLIGHT);
        }
        this.latencies = Arrays.copyOf(latencies, sent);
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = this.latencies.clone();
        Arrays.sort(sorted);
        return new Result(rate, seconds, sent, new TreeMap<>(statuses), errors.get(), percentile(sorted, 0.50),
                percentile(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
    }

    /** One request, waited for: its status. */
    public int status(Request request) {
        java.util.concurrent.CompletableFuture<Integer> status = new java.util.concurrent.CompletableFuture<>();
        loop.runOnContext(ignored -> exchange(request).onComplete(answer -> {
            if (answer.succeeded()) {
                status.complete(answer.result().status());
            } else {
                status.completeExceptionally(answer.cause());
            }
        }));
        return status.join();
    }

    private record Answer(int status, String body, String retryAfter) {
    }

    /** On the event loop: the request, then its whole body, each handler set before what it handles can arrive. */
    private Future<Answer> exchange(Request r) {
        RequestOptions options = new RequestOptions().setMethod(r.method()).setAbsoluteURI(r.url()).setIdleTimeout(30_000);
        r.headers().forEach(options::putHeader);
        return http.request(options).compose(sending -> (r.body() == null ? sending.send() : sending.send(r.body()))
                .compose(response -> response.body().map(body -> new Answer(response.statusCode(), body.toString(),
                        response.getHeader("Retry-After")))));
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
