package io.scalemesh.task.rest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import io.scalemesh.events.EventCodec;
import io.scalemesh.service.http.Problem.FieldError;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.task.types.TaskType;
import io.scalemesh.task.types.TaskTypes;

/**
 * A {@code POST /api/v1/tasks} body, checked completely before anything is stored. {@code inputText}
 * is the input exactly as the client sent it, stored as is: writing the parsed tree back to text
 * cost a twentieth of the accept path's CPU.
 */
record NewTask(TaskType type, JsonNode input, String inputText) {

    /** The body as documented in OpenAPI; parse() is what holds. */
    @Schema(name = "NewTask", requiredProperties = {"type", "input"})
    record Document(
            @Schema(description = "sum (input {\"numbers\": [...]}, at most mesh.task.sum.max-numbers) or report"
                    + " (input {\"windowDays\": n})") String type,
            @Schema(description = "The task type's input") java.util.Map<String, Object> input) {
    }

    static NewTask parse(String body, TaskTypes types) {
        if (body == null || body.isBlank()) {
            throw new ProblemException(Problem.badRequest("a JSON body is required: {\"type\": ..., \"input\": {...}}"));
        }
        List<FieldError> errors = new ArrayList<>();
        JsonNode typeName = null;
        JsonNode input = null;
        String inputText = null;
        try (JsonParser parser = EventCodec.json().createParser(body)) {
            // A key given twice is ambiguous: refuse it (as profile-service does) rather than keep one.
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                parser.readValueAsTree(); // malformed JSON is reported as such, before its shape
                requireEnd(parser);
                throw new ProblemException(Problem.badRequest("the body must be a JSON object: {\"type\": ..., \"input\": {...}}"));
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "type" -> typeName = parser.readValueAsTree();
                    case "input" -> {
                        int from = (int) parser.currentTokenLocation().getCharOffset();
                        input = parser.readValueAsTree();
                        if (value == JsonToken.START_OBJECT) {
                            inputText = body.substring(from, (int) parser.currentTokenLocation().getCharOffset() + 1);
                        }
                    }
                    default -> {
                        errors.add(new FieldError(field, "unknown field; a task has type and input"));
                        parser.skipChildren();
                    }
                }
            }
            requireEnd(parser);
        } catch (JsonProcessingException e) {
            throw new ProblemException(Problem.malformedJson(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String source does no I/O
        }
        TaskType type = null;
        if (typeName == null || !typeName.isTextual()) {
            errors.add(new FieldError("type", "is required: one of " + types.names()));
        } else {
            type = types.find(typeName.asText()).orElse(null);
            if (type == null) {
                errors.add(new FieldError("type", "unknown task type '" + typeName.asText() + "'; known: " + types.names()));
            }
        }
        if (input == null || !input.isObject()) {
            errors.add(new FieldError("input", "is required: a JSON object"));
        } else if (type != null) {
            errors.addAll(type.validate(input));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.validation(errors));
        }
        return new NewTask(type, input, inputText);
    }

    /** Nothing may follow the body's one JSON value. */
    private static void requireEnd(JsonParser parser) throws IOException {
        if (parser.nextToken() != null) {
            throw new ProblemException(Problem.malformedJson("unexpected content after the JSON value"));
        }
    }
}
