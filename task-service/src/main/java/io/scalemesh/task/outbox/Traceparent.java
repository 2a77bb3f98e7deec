package io.scalemesh.task.outbox;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/**
 * The current span as a W3C traceparent, stored with an outbox row so the relay's Kafka record
 * continues the trace of whatever wrote the row (an accept, a worker finishing a task).
 */
public final class Traceparent {

    private Traceparent() {
    }

    /** Null when nothing is traced. */
    public static String current() {
        return of(Span.current().getSpanContext());
    }

    /** Null for an invalid (untraced) span. */
    public static String of(SpanContext span) {
        return span.isValid() ? "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex() : null;
    }
}
