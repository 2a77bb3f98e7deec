package io.scalemesh.gateway.lab;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.scalemesh.gateway.routing.Backends;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The lab's live figures: once a second, while someone watches, every instance's Prometheus
 * metrics (its management port) and Kafka's consumer lag, turned into rates and a p99 over the
 * last second. Its own thread: the scrapes block, never an event loop.
 */
@ApplicationScoped
public class MeshFigures {

    private static final Logger LOG = Logger.getLogger(MeshFigures.class);
    /** Gateway route → the service behind it. */
    private static final Map<String, String> SERVICES = Map.of("profiles", "profile-service", "tasks", "task-service",
            "notifications", "notification-service", "analytics", "analytics-service", "billing", "billing-service");
    private static final List<String> ORDER = List.of("api-gateway", "profile-service", "task-service", "notification-service",
            "analytics-service", "billing-service");
    private static final Duration WATCHED_FOR = Duration.ofSeconds(60);
    private static final String SELF = "this gateway";
    /** Requests of the API: not the management port's, nor the lab's own polling. */
    private static final Predicate<Map<String, String>> API_REQUESTS = labels -> !labels.getOrDefault("uri", "").startsWith("/q/")
            && !labels.getOrDefault("uri", "").startsWith("/lab");

    @Inject
    LabSettings settings;

    @Inject
    Backends backends;

    @Inject
    ConsumerLag lag;

    @Inject
    LabControls controls;

    @Inject
    LabAgentClient agent;

    @Inject
    io.vertx.mutiny.redis.client.RedisAPI redis;

    /** The gateway's own metrics, read in-process: the same text its management port serves. */
    @Inject
    io.micrometer.prometheus.PrometheusMeterRegistry ownMetrics;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final Map<String, Scrape> previous = new ConcurrentHashMap<>();
    private final AtomicReference<Map<String, Object>> latest = new AtomicReference<>();
    private final AtomicLong watchedAt = new AtomicLong();
    private ScheduledExecutorService sampler;

    private record Scrape(long atNanos, PrometheusText text) {
    }

    /** The newest figures; asking also keeps the sampler running for another minute. */
    public synchronized Map<String, Object> latest() {
        watchedAt.set(System.nanoTime());
        if (sampler == null) {
            sampler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "lab-figures"));
            sampler.scheduleWithFixedDelay(this::sampleIfWatched, 0, 1, TimeUnit.SECONDS);
        }
        Map<String, Object> figures = latest.get();
        if (figures == null) {
            figures = sample();
        }
        return figures;
    }

    void stop(@Observes ShutdownEvent event) {
        if (sampler != null) {
            sampler.shutdownNow();
        }
        lag.close();
    }

    private void sampleIfWatched() {
        if (System.nanoTime() - watchedAt.get() > WATCHED_FOR.toNanos()) {
            previous.clear(); // a later watcher's first rates start from its own first scrape
            latest.set(null);
            return;
        }
        try {
            latest.set(sample());
        } catch (RuntimeException e) {
            LOG.warnf("lab figures: %s", e.toString());
        }
    }

    private synchronized Map<String, Object> sample() {
        Map<String, List<String>> instances = new LinkedHashMap<>();
        instances.put("api-gateway", List.of(SELF));
        // The devstack's agent knows every instance it started, also those scaled out since the gateway started (and the dead ones).
        Map<String, List<String>> started = agent.instances().orElse(Map.of());
        backends.route().forEach((route, backend) -> {
            if (SERVICES.containsKey(route)) {
                String service = SERVICES.get(route);
                instances.put(service, started.getOrDefault(service, List.of()).isEmpty() ? backend.instances() : started.get(service));
            }
        });
        List<Map<String, Object>> services = new ArrayList<>();
        for (String service : ORDER) {
            if (instances.containsKey(service)) {
                services.add(service(service, instances.get(service)));
            }
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("at", System.currentTimeMillis());
        figures.put("services", services);
        figures.put("kafka", lag.groups());
        figures.put("postgres", postgres());
        figures.put("redis", Map.of("up", redisUp()));
        figures.put("controls", controls.catalogue());
        return figures;
    }

    /** PostgreSQL as profile-service sees it: each server's shards, and each replica's lag and whether its replay is paused. */
    private List<Map<String, Object>> postgres() {
        Map<String, Map<String, Object>> byServer = new java.util.TreeMap<>();
        previous.forEach((address, scrape) -> {
            for (PrometheusText.Sample sample : scrape.text.samples()) {
                String server = sample.labels().get("server");
                if (server == null) {
                    continue;
                }
                Map<String, Object> entry = byServer.computeIfAbsent(server, k -> new LinkedHashMap<>(Map.of("server", k, "replicas",
                        new java.util.TreeMap<String, Map<String, Object>>())));
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> replicas = (Map<String, Map<String, Object>>) entry.get("replicas");
                switch (sample.name()) {
                    case "scalemesh_profile_shards" -> entry.put("shards", (long) sample.value());
                    case "scalemesh_profile_replica_lag_bytes" -> replicas.computeIfAbsent(sample.labels().get("replica"),
                            r -> new LinkedHashMap<>(Map.of("replica", r))).put("lagBytes", (long) sample.value());
                    case "scalemesh_profile_replica_replay_paused" -> replicas.computeIfAbsent(sample.labels().get("replica"),
                            r -> new LinkedHashMap<>(Map.of("replica", r))).put("paused", sample.value() == 1);
                    default -> { }
                }
            }
        });
        List<Map<String, Object>> servers = new ArrayList<>();
        byServer.values().forEach(entry -> {
            Map<String, Object> server = new LinkedHashMap<>(entry);
            server.put("replicas", List.copyOf(((Map<?, ?>) entry.get("replicas")).values()));
            servers.add(server);
        });
        return servers;
    }

    private boolean redisUp() {
        try {
            return redis.ping(List.of()).await().atMost(Duration.ofMillis(500)) != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Map<String, Object> service(String service, List<String> addresses) {
        List<Map<String, Object>> instances = new ArrayList<>();
        List<Scrape[]> scrapes = new ArrayList<>(); // [now, before] per instance that answered
        for (String address : addresses) {
            Map<String, Object> instance = new LinkedHashMap<>();
            instance.put("address", address);
            Scrape now = scrape(address);
            Scrape before = now == null ? null : previous.put(address, now);
            instance.put("up", now != null);
            if (now != null && before != null) {
                scrapes.add(new Scrape[] {now, before});
                instance.put("requestsPerSecond", rate(List.<Scrape[]>of(new Scrape[] {now, before}), "http_server_requests_seconds_count", API_REQUESTS));
                instance.put("p99Millis", p99(List.<Scrape[]>of(new Scrape[] {now, before})));
            }
            instances.add(instance);
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        switch (service) {
            case "api-gateway" -> {
                figures.put("rate-limited/s", rate(scrapes, "scalemesh_gateway_rate_limited_total", l -> true));
                figures.put("circuits opened", total(scrapes, "scalemesh_gateway_circuit_opened_total"));
            }
            case "task-service" -> {
                figures.put("queue depth", scrapes.stream().mapToDouble(s -> s[0].text.sum("scalemesh_task_queue_depth")).max().orElse(0));
                figures.put("accepted/s", rate(scrapes, "scalemesh_task_accepted_total", l -> true));
                figures.put("shed/s", rate(scrapes, "scalemesh_task_shed_total", l -> true));
            }
            case "profile-service" -> {
                double hits = delta(scrapes, "scalemesh_cache_hits_total", l -> true);
                double misses = delta(scrapes, "scalemesh_cache_misses_total", l -> true);
                figures.put("cache hit %", hits + misses == 0 ? null : 100 * hits / (hits + misses));
                figures.put("replica reads/s", rate(scrapes, "scalemesh_profile_db_reads_total", l -> "replica".equals(l.get("target"))));
                figures.put("primary reads/s", rate(scrapes, "scalemesh_profile_db_reads_total", l -> "primary".equals(l.get("target"))));
                figures.put("replica lag (bytes)", scrapes.isEmpty() ? null
                        : scrapes.stream().mapToDouble(s -> s[0].text.samples().stream().filter(x -> x.name().equals("scalemesh_profile_replica_lag_bytes"))
                                .mapToDouble(PrometheusText.Sample::value).max().orElse(0)).max().orElse(0));
            }
            default -> {
                figures.put("consumed/s", rate(scrapes, "scalemesh_events_consumed_total", l -> true));
                figures.put("duplicates suppressed", total(scrapes, "scalemesh_events_deduplicated_total"));
                figures.put("dead-lettered", total(scrapes, "scalemesh_events_dead_lettered_total"));
                if (service.equals("billing-service")) {
                    figures.put("charged (minor units)", total(scrapes, "scalemesh_billing_charged_minor_total"));
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("service", service);
        result.put("instances", instances);
        result.put("requestsPerSecond", rate(scrapes, "http_server_requests_seconds_count", API_REQUESTS));
        result.put("p99Millis", p99(scrapes));
        result.put("figures", figures);
        return result;
    }

    private Scrape scrape(String address) {
        if (address.equals(SELF)) {
            return new Scrape(System.nanoTime(), PrometheusText.parse(ownMetrics.scrape()));
        }
        String[] hostPort = address.replaceFirst("^dns:", "").split(":");
        int port = settings.managementPort().orElse(Integer.parseInt(hostPort[1]) + settings.managementPortOffset());
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort[0] + ":" + port + "/q/metrics"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 200 ? new Scrape(System.nanoTime(), PrometheusText.parse(answer.body())) : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The increase since the last scrape, summed over instances; an instance that restarted counts from zero. */
    private static double delta(List<Scrape[]> scrapes, String counter, Predicate<Map<String, String>> filter) {
        double sum = 0;
        for (Scrape[] s : scrapes) {
            double now = s[0].text.sum(counter, filter);
            double before = s[1].text.sum(counter, filter);
            sum += now >= before ? now - before : now;
        }
        return sum;
    }

    private static Double rate(List<Scrape[]> scrapes, String counter, Predicate<Map<String, String>> filter) {
        if (scrapes.isEmpty()) {
            return null;
        }
        double seconds = scrapes.stream().mapToDouble(s -> (s[0].atNanos - s[1].atNanos) / 1e9).average().orElse(1);
        return delta(scrapes, counter, filter) / Math.max(0.001, seconds);
    }

    private static Double total(List<Scrape[]> scrapes, String counter) {
        return scrapes.isEmpty() ? null : scrapes.stream().mapToDouble(s -> s[0].text.sum(counter)).sum();
    }

    /** p99 of the requests since the last scrape, in ms: the upper bound of the bucket that holds it (null without requests). */
    private static Double p99(List<Scrape[]> scrapes) {
        Map<Double, Double> counts = new HashMap<>();
        for (Scrape[] s : scrapes) {
            Map<Double, Double> before = s[1].text.buckets("http_server_requests_seconds", API_REQUESTS);
            s[0].text.buckets("http_server_requests_seconds", API_REQUESTS)
                    .forEach((le, count) -> counts.merge(le, Math.max(0, count - before.getOrDefault(le, 0.0)), Double::sum));
        }
        double total = counts.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total == 0) {
            return null;
        }
        return counts.entrySet().stream().sorted(Map.Entry.comparingByKey()).filter(e -> e.getValue() >= 0.99 * total)
                .findFirst().map(e -> e.getKey().isInfinite() ? null : e.getKey() * 1000).orElse(null);
    }
}
