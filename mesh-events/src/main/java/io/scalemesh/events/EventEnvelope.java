package io.scalemesh.events;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One envelope for every event: CloudEvents 1.0 in structured mode (the whole envelope is the
 * Kafka record's JSON value). {@code id} is the deduplication key, {@code subject} the userId (also
 * the record key, for per-user ordering).
 */
public record EventEnvelope(String id, String type, String source, Instant time, String subject, JsonNode data) {

    public static final String SPEC_VERSION = "1.0";
    public static final String DATA_CONTENT_TYPE = "application/json";
    /** The Kafka content-type header value of a structured-mode CloudEvent. */
    public static final String CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8";

    public static EventEnvelope create(String type, String source, String subject, JsonNode data) {
        return new EventEnvelope(EventIds.next(), type, source, Instant.now(), subject, data);
    }

    /** The same event under another id (a keyed request's, see {@link EventIds#named}). */
    public EventEnvelope withId(String otherId) {
        return new EventEnvelope(otherId, type, source, time, subject, data);
    }
}
