package io.scalemesh.task.types;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.scalemesh.service.http.Problem;
import io.scalemesh.task.Task;
import io.smallrye.mutiny.Uni;

/** A kind of work: how its input is checked at the door, and how a worker does it. */
public interface TaskType {

    String name();

    /** What is wrong with {@code input}, field by field (empty when it is valid). Nothing is queued unless empty. */
    List<Problem.FieldError> validate(JsonNode input);

    /** Does the work; fails with {@link TaskFailure} (retryable or not), never blocks the caller's thread. */
    Uni<JsonNode> run(Task task);
}
