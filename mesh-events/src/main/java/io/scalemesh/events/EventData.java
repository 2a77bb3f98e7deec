package io.scalemesh.events;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The data of each event type, with the schema checks a consumer applies before acting on it. */
public final class EventData {

    /** User ids: what the gateway accepts as a token's {@code sub}. */
    public static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
    /** Action names: lower-case words, e.g. signup, purchase, report.export. */
    public static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");

    private EventData() {
    }

    /** {@code scalemesh.user.action.v1}: something a user did, with free-form attributes. */
    public record UserAction(String action, ObjectNode attributes) {

        public JsonNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("action", action);
            node.set("attributes", attributes);
            return node;
        }

        public String attribute(String name) {
            JsonNode value = attributes.get(name);
            return value == null || value.isNull() ? null : value.asText();
        }

        static UserAction from(JsonNode data) {
            String action = text(data, "action");
            if (!ACTION.matcher(action).matches()) {
                throw new InvalidEventException("data.action '" + action + "' is not an action name");
            }
            JsonNode attributes = data.get("attributes");
            if (attributes != null && !attributes.isObject() && !attributes.isNull()) {
                throw new InvalidEventException("data.attributes must be an object");
            }
            return new UserAction(action, attributes == null || attributes.isNull()
                    ? JsonNodeFactory.instance.objectNode() : (ObjectNode) attributes);
        }
    }

    /** {@code scalemesh.task.completed.v1}: a task reached a final state. */
    public record TaskCompleted(String taskId, String taskType, String status, int attempts, Instant completedAt) {

        static final Set<String> STATUSES = Set.of("SUCCEEDED", "FAILED");

        public JsonNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("taskId", taskId);
            node.put("taskType", taskType);
            node.put("status", status);
            node.put("attempts", attempts);
            node.put("completedAt", completedAt.toString());
            return node;
        }

        static TaskCompleted from(JsonNode data) {
            String status = text(data, "status");
            if (!STATUSES.contains(status)) {
                throw new InvalidEventException("data.status must be one of " + STATUSES);
            }
            JsonNode attempts = data.get("attempts");
            if (attempts == null || !attempts.canConvertToInt() || attempts.asInt() < 1) {
                throw new InvalidEventException("data.attempts must be a positive integer");
            }
            return new TaskCompleted(text(data, "taskId"), text(data, "taskType"), status, attempts.asInt(),
                    instant(data, "completedAt"));
        }
    }

    /** {@code scalemesh.profile.changed.v1}: a profile was written or deleted; caches drop it. */
    public record ProfileChanged(String change, long version) {

        static final Set<String> CHANGES = Set.of("UPSERTED", "DELETED");

        public JsonNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("change", change);
            node.put("version", version);
            return node;
        }

        static ProfileChanged from(JsonNode data) {
            String change = text(data, "change");
            if (!CHANGES.contains(change)) {
                throw new InvalidEventException("data.change must be one of " + CHANGES);
            }
            JsonNode version = data.get("version");
            if (version == null || !version.canConvertToLong()) {
                throw new InvalidEventException("data.version must be an integer");
            }
            return new ProfileChanged(change, version.asLong());
        }
    }

    /** {@code scalemesh.task.requested.v1}: work to do; the task row holds the input. */
    public record TaskRequested(String taskId, String taskType) {

        public JsonNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("taskId", taskId);
            node.put("taskType", taskType);
            return node;
        }

        static TaskRequested from(JsonNode data) {
            return new TaskRequested(text(data, "taskId"), text(data, "taskType"));
        }
    }

    /** Validates data against its type's schema; throws {@link InvalidEventException}. */
    static void validate(String type, JsonNode data) {
        if (data == null || !data.isObject()) {
            throw new InvalidEventException("data must be a JSON object");
        }
        Map.<String, java.util.function.Function<JsonNode, ?>>of(
                EventTypes.USER_ACTION, UserAction::from,
                EventTypes.TASK_COMPLETED, TaskCompleted::from,
                EventTypes.PROFILE_CHANGED, ProfileChanged::from,
                EventTypes.TASK_REQUESTED, TaskRequested::from).get(type).apply(data);
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new InvalidEventException("data." + field + " is required and must be a non-empty string");
        }
        return value.asText();
    }

    static Instant instant(JsonNode node, String field) {
        try {
            return Instant.parse(text(node, field));
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidEventException("data." + field + " is not an ISO-8601 instant");
        }
    }
}
