package io.scalemesh.gateway.ratelimit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.scalemesh.service.http.Problem;
import io.scalemesh.gateway.routing.Backends;
import io.scalemesh.gateway.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Rate limits every {@code /api/} request before it reaches a resource or the proxy: per user once
 * the token is verified, per client IP otherwise (so unauthenticated floods are limited too), per
 * route as the router resolves it (the normalized path: {@code %6eotifications} is
 * {@code notifications}; a path the mesh does not serve shares one bucket, {@code other}). A batch
 * of N actions costs N tokens: one here, the rest once the body says N ({@link #takeMore}).
 * Every answer carries {@code RateLimit-Limit}, {@code RateLimit-Remaining}, {@code RateLimit-Reset}
 * (seconds); a refusal is a 429 problem with {@code Retry-After}.
 */
@ApplicationScoped
public class RateLimitFilter {

    /** Before the proxy's routes and Quarkus REST, after the HTTP security setup. */
    private static final int ORDER = -100;

    @Inject
    RateLimits limits;

    @Inject
    TokenBuckets buckets;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry registry;

    @Inject
    Backends backends;

    private final java.util.Set<String> limitedRoutes = java.util.concurrent.ConcurrentHashMap.newKeySet();

    void register(@Observes Router router) {
        if (limits.enabled()) {
            router.route("/api/*").order(ORDER).handler(this::limit);
        }
    }

    private void limit(RoutingContext ctx) {
        String route = known(route(ctx.normalizedPath()));
        RateLimits.Bucket bucket = limits.forRoute(route);
        ctx.request().pause();
        QuarkusHttpUser.getSecurityIdentity(ctx, null)
                .map(identity -> identity == null || identity.isAnonymous() ? null : Caller.userId(identity))
                .onFailure().recoverWithNull() // an invalid token is for the resource to refuse; limit by IP here
                .chain(user -> buckets.take(key(user != null ? "user:" + user : "ip:" + clientIp(ctx), route), bucket))
                .subscribe().with(decision -> {
                    ctx.response().putHeader("RateLimit-Limit", Integer.toString(bucket.capacity()));
                    ctx.response().putHeader("RateLimit-Remaining", Long.toString(Math.max(0, decision.remaining())));
                    ctx.response().putHeader("RateLimit-Reset", Long.toString(seconds(decision.reset().toMillis())));
                    ctx.request().resume();
                    if (decision.allowed()) {
                        if (limitedRoutes.add(route)) {
                            registry.counter("scalemesh.gateway.rate.limited", "route", route); // at zero until a refusal
                        }
                        ctx.next();
                    } else {
                        registry.counter("scalemesh.gateway.rate.limited", "route", route).increment();
                        refuse(ctx, decision);
                    }
                }, failure -> {
                    ctx.request().resume();
                    ctx.next(); // the limiter itself failed: serve rather than refuse
                });
    }

    /**
     * Takes {@code cost} more tokens from the caller's bucket of {@code route}, for a request that
     * turned out to weigh more than the one token it paid at the door.
     */
    public Uni<TokenBuckets.Decision> takeMore(String user, String route, int cost) {
        if (!limits.enabled() || cost <= 0) {
            return Uni.createFrom().item(new TokenBuckets.Decision(true, 0, Duration.ZERO, Duration.ZERO, false));
        }
        return buckets.take(key("user:" + user, route), limits.forRoute(route), cost);
    }

    private static String key(String caller, String route) {
        return caller + ":" + route;
    }

    /** The route, if the gateway serves it; every other path shares one bucket rather than making its own. */
    private String known(String route) {
        return route.equals("actions") || route.equals("noop") || backends.route().containsKey(route) ? route : "other";
    }

    private void refuse(RoutingContext ctx, TokenBuckets.Decision decision) {
        long retryAfter = Math.max(1, seconds(decision.retryAfter().toMillis()));
        Problem problem = Problem.of(429, "rate-limited", "Too many requests",
                "the rate limit of this route is reached; retry after " + retryAfter + " s").withInstance(ctx.request().path());
        try {
            ctx.response().setStatusCode(429).putHeader("Retry-After", Long.toString(retryAfter))
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .end(new String(json.writeValueAsBytes(problem), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            ctx.response().setStatusCode(429).putHeader("Retry-After", Long.toString(retryAfter)).end();
        }
    }

    /** actions, actions:batch → actions; notifications/stream → notifications. */
    static String route(String path) {
        String rest = path.startsWith("/api/v1/") ? path.substring("/api/v1/".length()) : path;
        int end = rest.length();
        for (char stop : new char[] { '/', ':', '%' }) {
            int at = rest.indexOf(stop);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        return rest.substring(0, end);
    }

    private static String clientIp(RoutingContext ctx) {
        return ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().host();
    }

    private static long seconds(long millis) {
        return (millis + 999) / 1000;
    }
}
