package io.scalemesh.profile.store;

import java.time.Instant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.scalemesh.profile.Profile;
import io.scalemesh.profile.shard.ShardMap;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The SQL of one logical shard's {@code profiles} table. Callers choose the server (primary or
 * replica) through {@link io.scalemesh.profile.shard.ShardServers}; this class only knows the
 * statements. A deleted profile keeps its row (id and version, nothing else), so versions, and
 * with them ETags, never repeat for a user.
 */
@ApplicationScoped
public class ProfileStore {

    private static final String COLUMNS = "user_id, display_name, email, bio, avatar_url, preferences::text AS preferences,"
            + " version, updated_at, deleted_at";

    /** The row under a write's lock: its version (0 when there was none) and the live profile, if any. */
    public record Current(long version, Profile live) {
    }

    private final ObjectMapper json;

    @Inject
    public ProfileStore(ObjectMapper json) {
        this.json = json;
    }

    /** The live profile, or null (never written, or deleted). */
    public Uni<Profile> find(SqlClient client, int shard, String userId) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM " + ShardMap.schema(shard) + ".profiles WHERE user_id = $1")
                .execute(Tuple.of(userId))
                .map(rows -> {
                    Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
                    return row == null || row.getValue("deleted_at") != null ? null : profile(row);
                });
    }

    /**
     * Locks the user's row for the rest of the transaction. With {@code create}, a row is made
     * first if there is none (version 0, deleted), so two concurrent first writes serialise too.
     */
    public Uni<Current> lock(SqlConnection tx, int shard, String userId, boolean create) {
        String table = ShardMap.schema(shard) + ".profiles";
        Uni<Void> ensure = !create ? Uni.createFrom().voidItem()
                : tx.preparedQuery("INSERT INTO " + table + " (user_id, version, updated_at, deleted_at) VALUES ($1, 0, now(), now())"
                        + " ON CONFLICT (user_id) DO NOTHING").execute(Tuple.of(userId)).replaceWithVoid();
        return ensure.chain(() -> tx.preparedQuery("SELECT " + COLUMNS + " FROM " + table + " WHERE user_id = $1 FOR UPDATE")
                .execute(Tuple.of(userId)))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return new Current(0, null);
                    }
                    Row row = rows.iterator().next();
                    return new Current(row.getLong("version"), row.getValue("deleted_at") == null ? profile(row) : null);
                });
    }

    /** Writes the fields as the given version (the locked version + 1) and answers the stored profile. */
    public Uni<Profile> save(SqlConnection tx, int shard, String userId, Profile.Fields fields, long version) {
        return tx.preparedQuery("UPDATE " + ShardMap.schema(shard) + ".profiles SET display_name = $2, email = $3, bio = $4,"
                        + " avatar_url = $5, preferences = $6::text::jsonb, version = $7, updated_at = now(), deleted_at = NULL"
                        + " WHERE user_id = $1 RETURNING " + COLUMNS)
                .execute(Tuple.from(new Object[] {userId, fields.displayName(), fields.email(), fields.bio(), fields.avatarUrl(),
                        write(fields.preferences()), version}))
                .map(rows -> profile(rows.iterator().next()));
    }

    /** Erases the profile's data, keeping its id and the given version (the locked version + 1). */
    public Uni<Void> erase(SqlConnection tx, int shard, String userId, long version) {
        return tx.preparedQuery("UPDATE " + ShardMap.schema(shard) + ".profiles SET display_name = NULL, email = NULL, bio = NULL,"
                        + " avatar_url = NULL, preferences = '{}', version = $2, updated_at = now(), deleted_at = now() WHERE user_id = $1")
                .execute(Tuple.of(userId, version)).replaceWithVoid();
    }

    private Profile profile(Row row) {
        try {
            Instant updated = row.getOffsetDateTime("updated_at").toInstant();
            return new Profile(row.getString("user_id"), row.getString("display_name"), row.getString("email"), row.getString("bio"),
                    row.getString("avatar_url"), json.readTree(row.getString("preferences")), updated, row.getLong("version"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("preferences of " + row.getString("user_id") + " are not JSON", e);
        }
    }

    private String write(com.fasterxml.jackson.databind.JsonNode preferences) {
        return preferences == null ? "{}" : preferences.toString();
    }
}
