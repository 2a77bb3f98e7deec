package io.scalemesh.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;
import io.scalemesh.it.OtlpReceiver.Span;

/**
 * One request, one trace, across HTTP and Kafka: the services export to a real OTLP receiver and
 * the test reads the trace back. The consumers' spans are children of the producer's (Kafka
 * carries the W3C traceparent in each record's headers), and their database and Redis spans are
 * children of theirs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingIT {

    private final OtlpReceiver receiver = OtlpReceiver.start();
    private final DevStack stack = TestStack.shared();
    private final ServiceInstances services = new ServiceInstances(stack).withEnvironment(receiver.exportEnvironment())
            // The production log format: JSON, with the trace id of the span a line was logged in.
            .withEnvironment(Map.of("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true"));
    private String gateway;

    @BeforeAll
    void startTheMesh() {
        services.up(Map.of(MeshService.API_GATEWAY, 1, MeshService.PROFILE, 1, MeshService.TASK, 1, MeshService.NOTIFICATION, 1,
                MeshService.ANALYTICS, 1, MeshService.BILLING, 1), line -> System.out.println("[mesh] " + line));
        gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
    }

    @AfterAll
    void stopTheMesh() {
        services.down(line -> System.out.println("[mesh] " + line));
        receiver.close();
    }

    @Test
    void anActionIsOneTraceFromTheGatewayThroughKafkaToEachConsumerAndItsStore() {
        String traceId = postTraced("/api/v1/actions", "{\"type\": \"purchase\", \"attributes\": {\"sku\": \"book-42\"}}");

        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Set<String> consumers = receiver.trace(traceId).stream().filter(s -> s.kind().equals("SPAN_KIND_CONSUMER"))
                    .map(Span::service).collect(Collectors.toSet());
            return consumers.containsAll(Set.of("notification-service", "analytics-service", "billing-service"));
        });
        // A batch consumer's receive span ends when the poll is handed over, before its store work:
        // the store spans can reach the receiver in a later export, so the checks wait for them.
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertOneTrace(traceId));
        assertFalse(receiver.spans().stream().anyMatch(s -> s.name().contains("/q/")), "health and metrics requests are not traced");
    }

    private void assertOneTrace(String traceId) {
        List<Span> trace = receiver.trace(traceId);
        Span server = one(trace, s -> s.service().equals("api-gateway") && s.kind().equals("SPAN_KIND_SERVER"), "the gateway's server span");
        Span produce = one(trace, s -> s.service().equals("api-gateway") && s.kind().equals("SPAN_KIND_PRODUCER"), "the Kafka produce span");
        assertTrue(descends(trace, produce, server), "the produce span is inside the request");
        for (String consumer : List.of("notification-service", "analytics-service", "billing-service")) {
            Span consume = one(trace, s -> s.service().equals(consumer) && s.kind().equals("SPAN_KIND_CONSUMER"), consumer + " consume span");
            assertEquals(produce.spanId(), consume.parentSpanId(), consumer + " consumes as a child of the produce span");
            String store = consumer.equals("analytics-service") ? "redis" : "postgresql";
            // Redis spans say db.system=redis; Vert.x's SQL client puts the database's name in db.system,
            // so a PostgreSQL span is known by its SQL statement.
            Span storeSpan = one(trace, s -> s.service().equals(consumer) && (store.equals("redis")
                    ? "redis".equals(s.attributes().get("db.system")) : s.attributes().containsKey("db.statement")),
                    consumer + "'s " + store + " span");
            assertTrue(descends(trace, storeSpan, consume), consumer + "'s " + store + " work is inside its consume span");
        }
        trace.forEach(s -> assertEquals(s.service() + "-0", s.instance(), "each span names its instance (service.instance.id)"));
    }

    @Test
    void aTaskIsOneTraceFromTheAcceptThroughTheWorkerToBilling() {
        String traceId = postTraced("/api/v1/tasks", "{\"type\": \"sum\", \"input\": {\"numbers\": [1, 2, 3]}}");
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertTrue(receiver.trace(traceId).stream().anyMatch(s -> s.service().equals("billing-service") && s.kind().equals("SPAN_KIND_CONSUMER")),
                        () -> "billing's consume span is not in the trace yet: " + receiver.trace(traceId).stream()
                                .map(s -> s.service() + "/" + s.kind() + "/" + s.name()).toList()));
        List<Span> trace = receiver.trace(traceId);
        Span accept = one(trace, s -> s.service().equals("task-service") && s.kind().equals("SPAN_KIND_SERVER"), "task-service's accept");
        Span work = one(trace, s -> s.service().equals("task-service") && s.kind().equals("SPAN_KIND_CONSUMER"), "the worker's consume span");
        Span billed = one(trace, s -> s.service().equals("billing-service") && s.kind().equals("SPAN_KIND_CONSUMER"), "billing's consume span");
        assertTrue(descends(trace, work, accept), "the worker's span descends from the accept (through the outbox)");
        assertTrue(descends(trace, billed, work), "billing's span descends from the worker's (task.completed)");
    }

    @Test
    void everyMetricTheDashboardQueriesIsOneTheServicesExpose() throws Exception {
        String user = "metrics-" + UUID.randomUUID();
        String token = Tokens.forTests(user, false);
        // A fresh request each time: a RestAssured specification keeps the headers set on it.
        Supplier<RequestSpecification> as = () ->
                given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON);
        as.get().body("{\"type\": \"purchase\"}").post(gateway + "/api/v1/actions").then().statusCode(202);
        as.get().body("{\"type\": \"sum\", \"input\": {\"numbers\": [1]}}").post(gateway + "/api/v1/tasks").then().statusCode(202);
        as.get().body("{\"displayName\": \"M\", \"email\": \"m@example.org\"}").put(gateway + "/api/v1/profiles/" + user).then().statusCode(201);
        as.get().header("Cache-Control", "no-cache").get(gateway + "/api/v1/profiles/" + user);
        as.get().get(gateway + "/api/v1/profiles/" + user);
        // A poison record: every consumer dead-letters it, so the dead-letter counters exist.
        Properties config = new Properties();
        config.putAll(stack.settings().kafkaClientConfig());
        try (var producer = new KafkaProducer<String, String>(config,
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("user-actions", user, "not json")).get();
        }
        // The poison's warning is logged inside notification's consume span: JSON with that span's trace id.
        Path log = services.instance(MeshService.NOTIFICATION, 0).log();
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            var json = new ObjectMapper();
            boolean traced = false;
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith("{") && line.contains("goes to the DLQ")) {
                    var entry = json.readTree(line);
                    traced |= entry.at("/mdc/traceId").asText().matches("[0-9a-f]{32}") && entry.path("level").asText().equals("WARN");
                }
            }
            assertTrue(traced, "a JSON log line with the trace id in " + log);
        });
        String dashboard = Files.readString(stack.settings().root().resolve("deploy/helm/scalemesh/dashboards/scalemesh.json"));
        Set<String> queried = new TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:scalemesh|http_server|kafka)_[a-z0-9_]+)").matcher(dashboard);
        while (m.find()) {
            queried.add(m.group(1));
        }
        assertTrue(queried.size() >= 10, "the dashboard queries " + queried);
        // And the values make sense for the traffic above.
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            String billing = metrics(MeshService.BILLING);
            assertTrue(sum(billing, "scalemesh_events_consumed_total", "topic=\"user-actions\"") >= 1, "billing consumed the action");
            assertTrue(sum(billing, "scalemesh_events_dead_lettered_total", "topic=\"user-actions\"") >= 1, "and dead-lettered the poison");
            assertTrue(sum(billing, "scalemesh_billing_charged_minor_total", "") > 0, "and charged for the purchase");
            assertTrue(sum(metrics(MeshService.API_GATEWAY), "scalemesh_events_published_total", "topic=\"user-actions\"") >= 1);
            assertTrue(sum(metrics(MeshService.PROFILE), "scalemesh_cache_misses_total", "") >= 1, "the first profile read missed");
            assertTrue(sum(metrics(MeshService.TASK), "scalemesh_task_outcomes_total", "status=\"SUCCEEDED\"") >= 1);
            assertEquals(0, sum(metrics(MeshService.TASK), "scalemesh_task_shed_total", ""), "nothing was shed");
        });
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            StringBuilder exposed = new StringBuilder();
            for (MeshService service : MeshService.values()) {
                exposed.append(given().get(services.instance(service, 0).managementUrl() + "/q/metrics").asString());
            }
            Set<String> missing = queried.stream().filter(name -> !Pattern.compile("(?m)^" + name + "[{ ]")
                    .matcher(exposed).find()).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(Set.of(), missing, "queried by the dashboard but exposed by no service");
        });
    }

    private String metrics(MeshService service) {
        return given().get(services.instance(service, 0).managementUrl() + "/q/metrics").asString();
    }

    /** The sum of a metric's samples whose labels contain {@code label} (an exemplar after the value is ignored). */
    private static double sum(String metrics, String name, String label) {
        double total = 0;
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? (\\S+)").matcher(metrics);
        while (m.find()) {
            if (m.group(1) == null ? label.isEmpty() : m.group(1).contains(label)) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    /** POSTs through the gateway as a traced client would: the request's parent is a span of ours, so we know its trace. */
    private String postTraced(String path, String body) {
        String traceId = newTraceId();
        given().header("Authorization", "Bearer " + Tokens.forTests("traced-" + UUID.randomUUID(), false))
                .header("traceparent", "00-" + traceId + "-" + newSpanId() + "-01").contentType(ContentType.JSON)
                .body(body).post(gateway + path).then().statusCode(202);
        return traceId;
    }

    private static Span one(List<Span> trace, Predicate<Span> which, String what) {
        Optional<Span> found = trace.stream().filter(which).findFirst();
        assertTrue(found.isPresent(), "no " + what + " in the trace: " + trace.stream().map(s -> s.service() + "/" + s.kind() + "/" + s.name() + (s.kind().equals("SPAN_KIND_CLIENT") ? s.attributes().toString() : "")).toList());
        return found.get();
    }

    /** Whether {@code span} is {@code ancestor} or below it in the trace. */
    private static boolean descends(List<Span> trace, Span span, Span ancestor) {
        Map<String, Span> byId = trace.stream().collect(Collectors.toMap(Span::spanId, s -> s, (a, b) -> a));
        for (Span s = span; s != null; s = byId.get(s.parentSpanId())) {
            if (s.spanId().equals(ancestor.spanId())) {
                return true;
            }
        }
        return false;
    }

    private static String newTraceId() {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    private static String newSpanId() {
        byte[] id = new byte[8];
        ThreadLocalRandom.current().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }
}
