package io.scalemesh.task.rest;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import io.scalemesh.task.Task;
import io.scalemesh.task.TaskStatus;

/** A task as clients see it: its state, result or last error, attempts and times. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskView(String id, String userId, String type, TaskStatus status, JsonNode result, String error, int attempts,
        String worker, Instant createdAt, Instant startedAt, Instant finishedAt, String statusUrl) {

    static TaskView of(Task task) {
        return new TaskView(task.id(), task.owner(), task.type(), task.status(), task.result(), task.error(), task.attempts(),
                task.worker(), task.createdAt(), task.startedAt(), task.finishedAt(), TaskResource.statusUrl(task.id()));
    }
}
