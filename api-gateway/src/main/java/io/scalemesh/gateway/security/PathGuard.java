package io.scalemesh.gateway.security;

import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.scalemesh.service.http.Problem;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Refuses (400) an API path with dot-segments ({@code .}, {@code ..}, also percent-encoded) or an
 * encoded slash or backslash in a segment. The router matches the normalized path while the proxy
 * forwards the path as sent, so such a path could be one route to the gateway (and its rate limit)
 * and another to the backend; no client of this API needs one.
 */
@ApplicationScoped
public class PathGuard {

    /** After the security headers are set up, before the rate limit and the routes. */
    private static final int ORDER = -150;
    private static final Pattern DOT_SEGMENT = Pattern.compile("(?i)(^|/)(\\.|%2e){1,2}(/|$)");
    private static final Pattern ENCODED_SEPARATOR = Pattern.compile("(?i)%(2f|5c)");

    @Inject
    ObjectMapper json;

    void register(@Observes Router router) {
        router.route("/api/*").order(ORDER).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path != null && (DOT_SEGMENT.matcher(path).find() || ENCODED_SEPARATOR.matcher(path).find() || path.indexOf('\\') >= 0)) {
            Problem problem = Problem.badRequest("the path may not hold dot-segments (. or ..) nor an encoded / or \\")
                    .withInstance(ctx.normalizedPath());
            try {
                ctx.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                        .end(json.writeValueAsString(problem));
            } catch (JsonProcessingException e) {
                ctx.response().setStatusCode(400).end();
            }
            return;
        }
        ctx.next();
    }
}
