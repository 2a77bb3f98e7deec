package io.scalemesh.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

class EventCodecTest {

    private static EventEnvelope purchase() {
        ObjectNode attributes = EventCodec.json().createObjectNode().put("sku", "book-1").put("quantity", 2);
        return EventEnvelope.create(EventTypes.USER_ACTION, "/api-gateway", "alice",
                new EventData.UserAction("purchase", attributes).toJson());
    }

    @Test
    void anEventSurvivesTheRoundTrip() {
        EventEnvelope sent = purchase();
        String json = EventCodec.encode(sent);
        assertTrue(json.contains("\"specversion\":\"1.0\""), json);
        assertTrue(json.contains("\"datacontenttype\":\"application/json\""), json);
        EventEnvelope received = EventCodec.decode(json);
        assertEquals(sent, received);
        EventData.UserAction action = EventCodec.userAction(received);
        assertEquals("purchase", action.action());
        assertEquals("book-1", action.attribute("sku"));
    }

    @Test
    void taskCompletedRoundTrip() {
        EventData.TaskCompleted done = new EventData.TaskCompleted("t-1", "sum", "SUCCEEDED", 2, Instant.parse("2026-11-24T10:00:00Z"));
        EventEnvelope event = EventEnvelope.create(EventTypes.TASK_COMPLETED, "/task-service", "bob", done.toJson());
        assertEquals(done, EventCodec.taskCompleted(EventCodec.decode(EventCodec.encode(event))));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{not json                                              | malformed JSON",
        "[1,2]                                                  | must be a JSON object",
        "{\"specversion\":\"0.3\"}                              | specversion",
        "ENVELOPE type=scalemesh.nope.v1                        | unknown event type",
        "ENVELOPE subject=a b                                   | subject is not a user id",
        "ENVELOPE time=yesterday                                | time is not",
        "ENVELOPE data.action=                                  | data.action is required",
        "ENVELOPE data.action=Not An Action                     | not an action name",
        "ENVELOPE data.attributes=[]                            | data.attributes must be an object",
        "ENVELOPE data=null                                     | data must be a JSON object",
        "ENVELOPE id=                                           | id is required",
    })
    void everyWayAMessageCanBeUnusableIsAnInvalidEvent(String input, String reason) {
        String json = input.startsWith("ENVELOPE") ? mutate(input.substring("ENVELOPE ".length()).trim()) : input.trim();
        InvalidEventException error = assertThrows(InvalidEventException.class, () -> EventCodec.decode(json));
        assertTrue(error.getMessage().contains(reason.trim()), error.getMessage());
    }

    @Test
    void eventIdsAreUniqueStrictlyIncreasingUuidV7() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            ids.add(EventIds.next());
        }
        assertEquals(ids.size(), ids.stream().distinct().count());
        assertTrue(ids.stream().allMatch(id -> java.util.UUID.fromString(id).version() == 7));
        for (int i = 1; i < ids.size(); i++) {
            // Same-length lower-case hex: text order is numeric order. Many of these share a millisecond.
            assertTrue(ids.get(i - 1).compareTo(ids.get(i)) < 0, ids.get(i - 1) + " then " + ids.get(i));
        }
    }

    /** A valid purchase event with one field changed: "field=value", "data.field=value", "data=null". */
    private static String mutate(String change) {
        ObjectNode node = (ObjectNode) EventCodec.json().valueToTree(readTree(EventCodec.encode(purchase())));
        String[] kv = change.split("=", 2);
        String value = kv[1];
        if (kv[0].startsWith("data.")) {
            ObjectNode data = (ObjectNode) node.get("data");
            if (value.equals("[]")) {
                data.set(kv[0].substring(5), EventCodec.json().createArrayNode());
            } else {
                data.put(kv[0].substring(5), value);
            }
        } else if (value.equals("null")) {
            node.putNull(kv[0]);
        } else {
            node.put(kv[0], value);
        }
        return node.toString();
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return EventCodec.json().readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
