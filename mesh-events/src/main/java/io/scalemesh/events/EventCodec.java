package io.scalemesh.events;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes envelopes as CloudEvents JSON and reads them back, validating the envelope and the
 * data's schema on the way in: whatever a consumer gets from {@link #decode} is safe to act on.
 */
public final class EventCodec {

    /** A key given twice is ambiguous (which one does a consumer see?): refused, never one kept silently. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private EventCodec() {
    }

    public static String encode(EventEnvelope event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("specversion", EventEnvelope.SPEC_VERSION);
        node.put("id", event.id());
        node.put("type", event.type());
        node.put("source", event.source());
        node.put("time", event.time().toString());
        node.put("subject", event.subject());
        node.put("datacontenttype", EventEnvelope.DATA_CONTENT_TYPE);
        node.set("data", event.data());
        return node.toString();
    }

    /** Parses and validates; every way a message can be unusable is an {@link InvalidEventException}. */
    public static EventEnvelope decode(String json) {
        if (json == null || json.isBlank()) {
            throw new InvalidEventException("empty message");
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("malformed JSON: " + e.getOriginalMessage());
        }
        if (!node.isObject()) {
            throw new InvalidEventException("an event must be a JSON object");
        }
        if (!EventEnvelope.SPEC_VERSION.equals(node.path("specversion").asText())) {
            throw new InvalidEventException("specversion must be 1.0");
        }
        String id = envelopeText(node, "id");
        String type = envelopeText(node, "type");
        if (!EventTypes.ALL.contains(type)) {
            throw new InvalidEventException("unknown event type '" + type + "'");
        }
        String subject = envelopeText(node, "subject");
        if (!EventData.USER_ID.matcher(subject).matches()) {
            throw new InvalidEventException("subject is not a user id");
        }
        JsonNode contentType = node.get("datacontenttype");
        if (contentType != null && !EventEnvelope.DATA_CONTENT_TYPE.equals(contentType.asText())) {
            throw new InvalidEventException("datacontenttype must be application/json");
        }
        Instant time;
        try {
            time = Instant.parse(envelopeText(node, "time"));
        } catch (DateTimeParseException e) {
            throw new InvalidEventException("time is not an RFC 3339 timestamp");
        }
        JsonNode data = node.get("data");
        EventData.validate(type, data);
        return new EventEnvelope(id, type, envelopeText(node, "source"), time, subject, data);
    }

    public static EventData.UserAction userAction(EventEnvelope event) {
        return EventData.UserAction.from(requireType(event, EventTypes.USER_ACTION).data());
    }

    public static EventData.TaskCompleted taskCompleted(EventEnvelope event) {
        return EventData.TaskCompleted.from(requireType(event, EventTypes.TASK_COMPLETED).data());
    }

    public static EventData.ProfileChanged profileChanged(EventEnvelope event) {
        return EventData.ProfileChanged.from(requireType(event, EventTypes.PROFILE_CHANGED).data());
    }

    public static EventData.TaskRequested taskRequested(EventEnvelope event) {
        return EventData.TaskRequested.from(requireType(event, EventTypes.TASK_REQUESTED).data());
    }

    public static ObjectMapper json() {
        return JSON;
    }

    private static EventEnvelope requireType(EventEnvelope event, String type) {
        if (!type.equals(event.type())) {
            throw new InvalidEventException("expected a " + type + " event, got " + event.type());
        }
        return event;
    }

    private static String envelopeText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank() || value.asText().length() > 256) {
            throw new InvalidEventException(field + " is required: a non-empty string of at most 256 characters");
        }
        return value.asText();
    }
}
