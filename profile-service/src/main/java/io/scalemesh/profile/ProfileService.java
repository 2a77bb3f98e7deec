package io.scalemesh.profile;

import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.profile.cache.ProfileCache;
import io.scalemesh.profile.messaging.ProfileEvents;
import io.scalemesh.profile.shard.ConsistencyToken;
import io.scalemesh.profile.shard.ShardServers;
import io.scalemesh.profile.store.ProfileStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Reads and writes of profiles across shards, replicas, the cache and the event stream.
 *
 * <p>Reads: the cache first (unless the caller presents a consistency token or asks to bypass
 * it), then a replica of the user's shard. Writes: lock the row on the shard's primary, check the
 * preconditions, write the next version, publish {@code profile.changed}, commit; then answer the
 * primary's WAL position as the consistency token and invalidate the cache.
 */
@ApplicationScoped
public class ProfileService {

    /** A read's answer: the document as JSON with its version, or null when there is no profile. */
    public record Document(long version, String json) {
    }

    /** A write's answer: the new version, the document (null after a delete), whether it created the profile. */
    public record Written(long version, String json, boolean created, ConsistencyToken token) {
    }

    /** HTTP preconditions: {@code If-Match} (null: none; empty set with any=true: "*") and {@code If-None-Match: *}. */
    public record Preconditions(Set<Long> ifMatch, boolean ifMatchAny, boolean ifNoneMatchAny) {
        boolean hasIfMatch() {
            return ifMatchAny || ifMatch != null;
        }

        boolean matches(long version) {
            return ifMatchAny || (ifMatch != null && ifMatch.contains(version));
        }
    }

    private final ShardServers shards;
    private final ProfileStore store;
    private final ProfileCache cache;
    private final ProfileEvents events;
    private final ObjectMapper json;

    @Inject
    public ProfileService(ShardServers shards, ProfileStore store, ProfileCache cache, ProfileEvents events, ObjectMapper json) {
        this.shards = shards;
        this.store = store;
        this.cache = cache;
        this.events = events;
        this.json = json;
    }

    public Uni<Document> read(String userId, ConsistencyToken token, boolean bypassCache) {
        int shard = shards.map().shardOf(userId);
        Uni<Document> fromDatabase = Uni.createFrom().deferred(() -> shards.read(shard, token, db -> store.find(db, shard, userId))
                .map(profile -> profile == null ? null : new Document(profile.version(), write(profile))));
        if (token != null || bypassCache) {
            return fromDatabase;
        }
        return cache.get(userId, () -> fromDatabase.map(doc -> doc == null ? null : new ProfileCache.Entry(doc.version(), doc.json())))
                .map(entry -> entry == null ? null : new Document(entry.version(), entry.json()));
    }

    /** PUT: create or replace. */
    public Uni<Written> replace(String userId, Profile.Fields fields, Preconditions conditions) {
        return write(userId, true, conditions, current -> {
            if (conditions.ifNoneMatchAny() && current.live() != null) {
                throw preconditionFailed("the profile exists (If-None-Match: *)");
            }
            return fields;
        });
    }

    /** PATCH: a JSON merge patch (RFC 7396) applied to the current fields, validated as a whole. */
    public Uni<Written> patch(String userId, Function<Profile.Fields, Profile.Fields> patch, Preconditions conditions) {
        return write(userId, false, conditions, current -> {
            if (current.live() == null) {
                throw new ProblemException(Problem.notFound("no profile for " + userId));
            }
            return patch.apply(current.live().fields());
        });
    }

    public Uni<Written> delete(String userId, Preconditions conditions) {
        return write(userId, false, conditions, current -> {
            if (current.live() == null) {
                throw new ProblemException(Problem.notFound("no profile for " + userId));
            }
            return null;
        });
    }

    /**
     * The one write path. {@code next} sees the locked row and answers the new fields (null:
     * delete) or throws a problem; If-Match is checked before it.
     */
    private Uni<Written> write(String userId, boolean create, Preconditions conditions,
            Function<ProfileStore.Current, Profile.Fields> next) {
        int shard = shards.map().shardOf(userId);
        return shards.write(shard, tx -> store.lock(tx, shard, userId, create).chain(current -> {
                    if (conditions.hasIfMatch() && (current.live() == null || !conditions.matches(current.version()))) {
                        throw preconditionFailed(current.live() == null ? "there is no profile to match (If-Match)"
                                : "the profile is at version " + current.version() + " (If-Match)");
                    }
                    Profile.Fields fields = next.apply(current);
                    long version = current.version() + 1;
                    if (fields == null) {
                        return store.erase(tx, shard, userId, version)
                                .chain(() -> events.publish(userId, "DELETED", version))
                                .replaceWith(new Written(version, null, false, null));
                    }
                    return store.save(tx, shard, userId, fields, version)
                            .call(() -> events.publish(userId, "UPSERTED", version))
                            .map(saved -> new Written(version, write(saved), current.live() == null, null));
                }))
                // The write has committed: a failure to read the WAL position only costs the token.
                .chain(written -> shards.tokenAfterCommit(shard).onFailure().recoverWithNull()
                        .map(token -> new Written(written.version(), written.json(), written.created(), token))
                        .call(done -> cache.invalidate(userId, done.version(), "write")));
    }

    private static ProblemException preconditionFailed(String detail) {
        return new ProblemException(Problem.of(412, "precondition-failed", "Precondition Failed", detail));
    }

    private String write(Profile profile) {
        try {
            return json.writeValueAsString(profile);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
