package io.scalemesh.gateway.ratelimit;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.scalemesh.events.http.Problem;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Rate limits every {@code /api/} request before it reaches a resource or the proxy: per user once
 * the token is verified, per client IP otherwise (so unauthenticated floods are limited too).
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

    private final java.util.Set<String> limitedRoutes = java.util.concurrent.ConcurrentHashMap.newKeySet();

    void register(@Observes Router router) {
        if (limits.enabled()) {
            router.route("/api/*").order(ORDER).handler(this::limit);
        }
    }

    private void limit(RoutingContext ctx) {
        String route = route(ctx.request().path());
        RateLimits.Bucket bucket = limits.forRoute(route);
        ctx.request().pause();
        QuarkusHttpUser.getSecurityIdentity(ctx, null)
                .map(identity -> identity == null || identity.isAnonymous() ? null : identity.getPrincipal().getName())
                .onFailure().recoverWithNull() // an invalid token is for the resource to refuse; limit by IP here
                .chain(user -> buckets.take((user != null ? "user:" + user : "ip:" + clientIp(ctx)) + ":" + route, bucket))
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
