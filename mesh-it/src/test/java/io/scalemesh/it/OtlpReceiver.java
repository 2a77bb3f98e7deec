package io.scalemesh.it;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;

/**
 * A real OTLP receiver (OTLP/HTTP, protobuf: what Jaeger takes) for tests: the services export
 * their spans here as they would to a collector, and a test reads whole traces back.
 */
final class OtlpReceiver implements AutoCloseable {

    /** One received span; ids in lower-case hex, as Jaeger shows them. */
    record Span(String service, String instance, String traceId, String spanId, String parentSpanId, String name, String kind,
            Map<String, String> attributes) {
    }

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    static OtlpReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            OtlpReceiver receiver = new OtlpReceiver(server);
            server.createContext("/v1/traces", exchange -> {
                try (exchange) {
                    receiver.take(ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes()));
                    byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                    exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                    exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
                    if (answer.length > 0) {
                        try (OutputStream out = exchange.getResponseBody()) {
                            out.write(answer);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    exchange.sendResponseHeaders(400, -1);
                }
            });
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a service started as a process needs to export here, at once (every 0.1 s). */
    Map<String, String> exportEnvironment() {
        return Map.of("QUARKUS_OTEL_SDK_DISABLED", "false", "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(),
                "QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "0.1s");
    }

    /** The OTLP/HTTP endpoint to give a service (it appends /v1/traces). */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Span> spans() {
        return List.copyOf(spans);
    }

    List<Span> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    private void take(ExportTraceServiceRequest request) {
        HexFormat hex = HexFormat.of();
        for (ResourceSpans resource : request.getResourceSpansList()) {
            Map<String, String> resourceAttributes = attributes(resource.getResource().getAttributesList());
            String service = resourceAttributes.getOrDefault("service.name", "?");
            String instance = resourceAttributes.getOrDefault("service.instance.id", "?");
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                for (io.opentelemetry.proto.trace.v1.Span span : scope.getSpansList()) {
                    spans.add(new Span(service, instance, hex.formatHex(span.getTraceId().toByteArray()), hex.formatHex(span.getSpanId().toByteArray()),
                            hex.formatHex(span.getParentSpanId().toByteArray()), span.getName(), span.getKind().name(),
                            attributes(span.getAttributesList())));
                }
            }
        }
    }

    private static Map<String, String> attributes(List<KeyValue> values) {
        Map<String, String> map = new HashMap<>();
        for (KeyValue kv : values) {
            var v = kv.getValue();
            map.put(kv.getKey(), v.hasStringValue() ? v.getStringValue() : v.hasIntValue() ? Long.toString(v.getIntValue())
                    : v.hasBoolValue() ? Boolean.toString(v.getBoolValue()) : v.toString());
        }
        return map;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
