package io.scalemesh.gateway.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Supplier;


import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.gateway.GatewaySettings;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

/**
 * {@code Idempotency-Key} on POST: the first request with a key runs; a retry with the same key and
 * body gets the first response again ({@code Idempotency-Replayed: true}) and does nothing; the
 * same key with another body is a 422; a retry while the first still runs is a 409. A 5xx is not
 * kept, nor a 429, so a retry after a broker outage or a refill really runs. Keys are per user,
 * kept {@code ttl} (24 h), in Redis so every gateway instance sees them. Without Redis a keyed
 * request is refused (503): the guarantee the client asked for cannot be given.
 */
@ApplicationScoped
public class IdempotencyKeys {

    @Inject
    GatewaySettings settings;

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(IdempotencyKeys.class);

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotency-Replayed";

    /** What Redis holds for a key: in flight, or the finished response. */
    public record Entry(String fingerprint, boolean done, int status, String contentType, String body) {
    }

    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    ObjectMapper json;



    public Uni<Response> once(String user, String key, String path, String body, Supplier<Uni<? extends Response>> request) {
        if (key == null) {
            return Uni.createFrom().deferred(request);
        }
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            return Uni.createFrom().failure(new ProblemException(Problem.badRequest(
                    "Idempotency-Key must be 1 to 255 visible ASCII characters")));
        }
        String redisKey = redisKey(user, key);
        String fingerprint = sha256(path + "\n" + body);
        String claim = write(new Entry(fingerprint, false, 0, null, null));
        return redis.execute("SET", redisKey, claim, "NX", "PX", Long.toString(settings.idempotency().claimTtl().toMillis()))
                .onFailure().transform(e -> new ProblemException(Problem.unavailable(
                        "the idempotency store is unreachable; retry later, or send the request without Idempotency-Key"),
                        Map.of("Retry-After", "2")))
                .chain(reply -> reply != null && "OK".equals(reply.toString())
                        ? run(redisKey, fingerprint, request)
                        : redis.value(String.class).get(redisKey).chain(current -> existing(read(current), fingerprint)));
    }

    /** A retry: replay what the first request answered, or say why not. */
    private Uni<Response> existing(Entry entry, String fingerprint) {
        if (entry != null && !entry.fingerprint().equals(fingerprint)) {
            return Uni.createFrom().failure(new ProblemException(Problem.of(422, "idempotency-key-reused",
                    "The key was used for another request", "this Idempotency-Key was sent before with a different body")));
        }
        if (entry != null && entry.done()) {
            return Uni.createFrom().item(Response.status(entry.status()).type(entry.contentType())
                    .entity(entry.body()).header(REPLAYED, "true").build());
        }
        return Uni.createFrom().failure(new ProblemException(Problem.of(409, "idempotency-key-in-use", "The key is in use",
                "a request with this Idempotency-Key is still being processed"), Map.of("Retry-After", "1")));
    }

    private Uni<Response> run(String redisKey, String fingerprint, Supplier<Uni<? extends Response>> request) {
        return Uni.createFrom().deferred(request)
                .onItemOrFailure().transformToUni((response, failure) -> {
                    Response outcome = response;
                    if (failure instanceof ProblemException problem) {
                        outcome = problem.problem().toResponse().build();
                    } else if (failure != null) {
                        return release(redisKey).chain(() -> Uni.createFrom().failure(failure));
                    }
                    if (outcome.getStatus() >= 500 || outcome.getStatus() == 429) {
                        // Not kept: after an outage, or once the rate limit refills, the client's retry must really run.
                        Response kept = response;
                        return release(redisKey).chain(() -> failure != null ? Uni.createFrom().failure(failure)
                                : Uni.createFrom().item(kept));
                    }
                    Entry done = new Entry(fingerprint, true, outcome.getStatus(), outcome.getMediaType() == null ? null
                            : outcome.getMediaType().toString(), write(outcome.getEntity()));
                    // The request has had its effect: failing to keep the answer must not turn it into an error.
                    Uni<Void> store = redis.value(String.class).set(redisKey, write(done), new SetArgs().px(settings.idempotency().ttl().toMillis()))
                            .onFailure().invoke(e -> LOG.warnf("could not keep the answer of an Idempotency-Key (%s)", e.toString()))
                            .onFailure().recoverWithNull();
                    return failure != null ? store.chain(() -> Uni.createFrom().failure(failure)) : store.replaceWith(response);
                });
    }

    private Uni<Void> release(String redisKey) {
        return redis.key().del(redisKey).replaceWithVoid().onFailure().recoverWithNull();
    }

    static String redisKey(String user, String key) {
        return "gateway:idem:" + user + ":" + sha256(key);
    }

    private String write(Object value) {
        try {
            return value instanceof String s ? s : json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Entry read(String value) {
        try {
            return value == null ? null : json.readValue(value, Entry.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
