package io.scalemesh.notification;

import java.time.Instant;

/** One message to one user, made from one event. Ids are time-ordered (UUIDv7): newest first = id descending. */
public record Notification(String id, String userId, String kind, String message, String eventId, Instant createdAt) {
}
