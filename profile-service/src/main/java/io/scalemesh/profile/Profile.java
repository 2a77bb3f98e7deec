package io.scalemesh.profile;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A user's profile as the API shows it. {@code version} grows by one with every write (delete
 * included) and is the ETag; {@code updatedAt} is the primary's time of the last write.
 */
public record Profile(String userId, String displayName, String email, String bio, String avatarUrl, JsonNode preferences,
        Instant updatedAt, long version) {

    /** The fields a client writes; the rest belong to the server. */
    public record Fields(String displayName, String email, String bio, String avatarUrl, JsonNode preferences) {
    }

    public Fields fields() {
        return new Fields(displayName, email, bio, avatarUrl, preferences);
    }
}
