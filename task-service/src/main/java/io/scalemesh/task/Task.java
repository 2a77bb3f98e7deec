package io.scalemesh.task;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One task as stored. {@code attempts} counts runs started (a run cut short by a crash counts);
 * {@code worker} is the instance that ran it last; {@code error} the last failure's reason.
 */
public record Task(String id, String owner, String type, JsonNode input, TaskStatus status, JsonNode result, String error,
        int attempts, String worker, Instant createdAt, Instant startedAt, Instant finishedAt) {
}
