package io.scalemesh.analytics.rest;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.security.Authenticated;
import io.scalemesh.analytics.counters.Buckets;
import io.scalemesh.events.EventData;
import io.scalemesh.service.http.MeshIdentity;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Counts over a time range (admin only): per kind, per minute or hour, and distinct users. */
@Authenticated
@Path("/api/v1/analytics")
@Produces(MediaType.APPLICATION_JSON)
public class AnalyticsResource {

    private static final Duration MAX_RANGE = Duration.ofDays(7);
    /** Up to this range the series is per minute; beyond it, per hour. */
    private static final Duration MINUTE_SERIES_UP_TO = Duration.ofHours(3);

    /** The caller, as the internal identity token proves it (MeshIdentity). */
    @Inject
    JsonWebToken callerToken;

    @Inject
    ReactiveRedisDataSource redis;

    public record Bucket(Instant start, Map<String, Long> counts) {
    }

    public record Summary(Instant from, Instant to, String granularity, long totalEvents, Map<String, Long> totals,
            long uniqueUsers, List<Bucket> series) {
    }

    public record UserCounts(String userId, Map<String, Long> counts) {
    }

    /**
     * {@code from} inclusive, {@code to} exclusive, ISO-8601 instants; default the last hour.
     * Distinct users are counted per whole hour touched by the range (HyperLogLog, ~1% error at scale).
     */
    @GET
    @Path("/summary")
    public Uni<Summary> summary(@RestQuery String from, @RestQuery String to) {
        MeshIdentity.of(callerToken).requireAdmin();
        Instant end = to == null ? Instant.now() : instant("to", to);
        Instant start = from == null ? end.minus(Duration.ofHours(1)) : instant("from", from);
        if (!start.isBefore(end)) {
            throw new ProblemException(Problem.badRequest("from must be before to"));
        }
        if (Duration.between(start, end).compareTo(MAX_RANGE) > 0) {
            throw new ProblemException(Problem.badRequest("the range may span at most " + MAX_RANGE.toDays() + " days"));
        }
        boolean perMinute = Duration.between(start, end).compareTo(MINUTE_SERIES_UP_TO) <= 0;
        Duration step = perMinute ? Duration.ofMinutes(1) : Duration.ofHours(1);
        List<Instant> starts = new ArrayList<>();
        for (Instant t = Buckets.floor(start, step); t.isBefore(end); t = t.plus(step)) {
            starts.add(t);
        }
        // A few reads in flight at a time: up to 180 buckets must not swamp the Redis pool.
        Uni<List<Bucket>> reads = Multi.createFrom().iterable(starts)
                .onItem().transformToUni(t -> redis.hash(String.class, String.class, Long.class)
                        .hgetall(perMinute ? Buckets.minute(t) : Buckets.hour(t))
                        .map(counts -> new Bucket(t, new TreeMap<>(counts))))
                .merge(4)
                .collect().asList()
                .map(buckets -> buckets.stream().sorted(java.util.Comparator.comparing(Bucket::start)).toList());
        List<String> hours = new ArrayList<>();
        for (Instant t = Buckets.floor(start, Duration.ofHours(1)); t.isBefore(end); t = t.plus(Duration.ofHours(1))) {
            hours.add(Buckets.uniqueUsers(t));
        }
        Uni<Long> unique = redis.hyperloglog(String.class).pfcount(hours.toArray(String[]::new));
        return Uni.combine().all().unis(reads, unique).asTuple().map(result -> {
            Map<String, Long> totals = new TreeMap<>();
            List<Bucket> series = new ArrayList<>();
            for (Bucket bucket : result.getItem1()) {
                if (!bucket.counts().isEmpty()) {
                    series.add(bucket);
                    bucket.counts().forEach((kind, n) -> totals.merge(kind, n, Long::sum));
                }
            }
            long total = totals.values().stream().mapToLong(Long::longValue).sum();
            return new Summary(start, end, perMinute ? "minute" : "hour", total, totals, result.getItem2(), series);
        });
    }

    @GET
    @Path("/users/{userId}")
    public Uni<UserCounts> user(@RestPath String userId) {
        MeshIdentity caller = MeshIdentity.of(callerToken);
        if (!caller.userId().equals(userId)) {
            // A user may read their own counts (task-service's report asks on their behalf); others' need admin.
            caller.requireAdmin();
        }
        if (!EventData.USER_ID.matcher(userId).matches()) {
            throw new ProblemException(Problem.badRequest("not a valid user id"));
        }
        return redis.hash(String.class, String.class, Long.class).hgetall(Buckets.user(userId))
                .map(counts -> new UserCounts(userId, new TreeMap<>(counts)));
    }

    private static Instant instant(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ProblemException(Problem.badRequest(name + " must be an ISO-8601 instant, e.g. 2026-11-24T10:00:00Z"));
        }
    }
}
