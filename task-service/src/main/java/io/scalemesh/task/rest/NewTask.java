package io.scalemesh.task.rest;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.scalemesh.events.EventCodec;
import io.scalemesh.events.http.Problem;
import io.scalemesh.events.http.Problem.FieldError;
import io.scalemesh.events.http.ProblemException;
import io.scalemesh.task.types.TaskType;
import io.scalemesh.task.types.TaskTypes;

/** A {@code POST /api/v1/tasks} body, checked completely before anything is stored. */
record NewTask(TaskType type, JsonNode input) {

    static NewTask parse(String body, TaskTypes types) {
        if (body == null || body.isBlank()) {
            throw new ProblemException(Problem.badRequest("a JSON body is required: {\"type\": ..., \"input\": {...}}"));
        }
        JsonNode node;
        try {
            node = EventCodec.json().readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProblemException(Problem.malformedJson(e.getOriginalMessage()));
        }
        if (!node.isObject()) {
            throw new ProblemException(Problem.badRequest("the body must be a JSON object: {\"type\": ..., \"input\": {...}}"));
        }
        List<FieldError> errors = new ArrayList<>();
        node.fieldNames().forEachRemaining(field -> {
            if (!field.equals("type") && !field.equals("input")) {
                errors.add(new FieldError(field, "unknown field; a task has type and input"));
            }
        });
        JsonNode typeName = node.get("type");
        TaskType type = null;
        if (typeName == null || !typeName.isTextual()) {
            errors.add(new FieldError("type", "is required: one of " + types.names()));
        } else {
            type = types.find(typeName.asText()).orElse(null);
            if (type == null) {
                errors.add(new FieldError("type", "unknown task type '" + typeName.asText() + "'; known: " + types.names()));
            }
        }
        JsonNode input = node.get("input");
        if (input == null || !input.isObject()) {
            errors.add(new FieldError("input", "is required: a JSON object"));
        } else if (type != null) {
            errors.addAll(type.validate(input));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.validation(errors));
        }
        return new NewTask(type, input);
    }
}
