package io.scalemesh.gateway.actions;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;

/**
 * Parses and validates what a client posts to {@code /api/v1/actions}: {@code {"type": "purchase",
 * "attributes": {...}}}, or a batch {@code {"actions": [...]}}. All errors are collected, so one
 * 400 names every bad field; nothing is published unless the whole request is valid.
 */
public final class ActionRequest {

    private static final Set<String> ACTION_FIELDS = Set.of("type", "attributes");

    /**
     * What an action may be: one of {@code knownTypes}, attributes nested at most {@code maxDepth}
     * levels, no string in them over {@code maxValueChars}. The last bounds what an event carries
     * into its consumers (a notification's text is NOTIFYed, and PostgreSQL takes 8,000 bytes at
     * most): too long is a 400 here, never a poison record there.
     */
    public record Rules(Set<String> knownTypes, int maxDepth, int maxValueChars) {
    }

    private ActionRequest() {
    }

    public static EventData.UserAction parseOne(String body, Rules rules) {
        JsonNode root = parse(body);
        List<Problem.FieldError> errors = new ArrayList<>();
        EventData.UserAction action = validate(root, "", rules, errors);
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.validation(errors));
        }
        return action;
    }

    public static List<EventData.UserAction> parseBatch(String body, Rules rules, int maxActions) {
        JsonNode root = parse(body);
        if (!root.isObject() || !root.path("actions").isArray()) {
            throw new ProblemException(Problem.validation(List.of(new Problem.FieldError("actions", "must be an array of actions"))));
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!name.equals("actions")) {
                throw new ProblemException(Problem.validation(List.of(new Problem.FieldError(name, "unknown field"))));
            }
        }
        JsonNode items = root.get("actions");
        if (items.isEmpty()) {
            throw new ProblemException(Problem.validation(List.of(new Problem.FieldError("actions", "must hold at least one action"))));
        }
        if (items.size() > maxActions) {
            throw new ProblemException(Problem.of(413, "batch-too-large", "The batch is too large",
                    "a batch holds at most " + maxActions + " actions; this one has " + items.size()));
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        List<EventData.UserAction> actions = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            actions.add(validate(items.get(i), "actions[" + i + "].", rules, errors));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.validation(errors));
        }
        return actions;
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw new ProblemException(Problem.badRequest("the body is empty; send a JSON object"));
        }
        try {
            return EventCodec.json().readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProblemException(Problem.malformedJson(e.getOriginalMessage()));
        }
    }

    private static EventData.UserAction validate(JsonNode node, String path, Rules rules, List<Problem.FieldError> errors) {
        Set<String> knownTypes = rules.knownTypes();
        if (node == null || !node.isObject()) {
            errors.add(new Problem.FieldError(path.isEmpty() ? "body" : path.substring(0, path.length() - 1), "must be a JSON object"));
            return null;
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!ACTION_FIELDS.contains(name)) {
                errors.add(new Problem.FieldError(path + name, "unknown field; an action has type and attributes"));
            }
        }
        JsonNode type = node.get("type");
        String typeName = null;
        if (type == null || type.isNull()) {
            errors.add(new Problem.FieldError(path + "type", "is required"));
        } else if (!type.isTextual()) {
            errors.add(new Problem.FieldError(path + "type", "must be a string"));
        } else if (!knownTypes.contains(type.asText())) {
            errors.add(new Problem.FieldError(path + "type", "unknown action type '" + abbreviate(type.asText())
                    + "'; known: " + knownTypes.stream().sorted().toList()));
        } else {
            typeName = type.asText();
        }
        JsonNode attributes = node.get("attributes");
        ObjectNode attributeObject = JsonNodeFactory.instance.objectNode();
        if (attributes != null && !attributes.isNull()) {
            if (!attributes.isObject()) {
                errors.add(new Problem.FieldError(path + "attributes", "must be a JSON object"));
            } else if (depth(attributes) > rules.maxDepth()) {
                errors.add(new Problem.FieldError(path + "attributes", "nests deeper than " + rules.maxDepth() + " levels"));
            } else {
                int before = errors.size();
                longStrings(attributes, path + "attributes", rules.maxValueChars(), errors);
                if (errors.size() == before) {
                    attributeObject = (ObjectNode) attributes;
                }
            }
        }
        return typeName == null ? null : new EventData.UserAction(typeName, attributeObject);
    }

    /** Every string (value or key) longer than {@code max} characters, by its path. */
    private static void longStrings(JsonNode node, String path, int max, List<Problem.FieldError> errors) {
        if (node.isTextual() && node.asText().length() > max) {
            errors.add(new Problem.FieldError(path, "is longer than " + max + " characters"));
        } else if (node.isObject()) {
            for (Iterator<java.util.Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext();) {
                java.util.Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().length() > max) {
                    errors.add(new Problem.FieldError(path, "has a key longer than " + max + " characters"));
                } else {
                    longStrings(field.getValue(), path + "." + field.getKey(), max, errors);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                longStrings(node.get(i), path + "[" + i + "]", max, errors);
            }
        }
    }

    private static int depth(JsonNode node) {
        int deepest = 0;
        for (JsonNode child : node) {
            if (child.isContainerNode()) {
                deepest = Math.max(deepest, depth(child));
            }
        }
        return deepest + 1;
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
