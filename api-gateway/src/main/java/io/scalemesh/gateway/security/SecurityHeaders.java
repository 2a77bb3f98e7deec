package io.scalemesh.gateway.security;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The standard security headers on every answer of the public door, its own and the backends'
 * alike (a backend's own value wins). The API serves JSON only: nothing may frame, sniff or script
 * it. HSTS is sent when the request reached the mesh over HTTPS (directly or through a TLS-terminating
 * ingress, X-Forwarded-Proto).
 */
@ApplicationScoped
public class SecurityHeaders {

    private static final String DATA_POLICY = "default-src 'none'; frame-ancestors 'none'";
    private static final String LAB_PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:;"
            + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    void register(@Observes Router router) {
        router.route().order(-200).handler(this::addOnEnd); // first, so every answer has them
    }

    private void addOnEnd(RoutingContext ctx) {
        boolean https = "https".equals(ctx.request().scheme()) || "https".equalsIgnoreCase(ctx.request().getHeader("X-Forwarded-Proto"));
        // The lab's page loads its own script, styles and fetches; every other answer is data and loads nothing.
        String policy = ctx.normalizedPath().startsWith("/lab/") && !ctx.normalizedPath().startsWith("/lab/api/") ? LAB_PAGE_POLICY : DATA_POLICY;
        ctx.addHeadersEndHandler(ignored -> {
            MultiMap headers = ctx.response().headers();
            setIfAbsent(headers, "X-Content-Type-Options", "nosniff");
            setIfAbsent(headers, "X-Frame-Options", "DENY");
            setIfAbsent(headers, "Referrer-Policy", "no-referrer");
            setIfAbsent(headers, "Content-Security-Policy", policy);
            setIfAbsent(headers, "Cross-Origin-Resource-Policy", "same-origin");
            if (https) {
                setIfAbsent(headers, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
            }
        });
        ctx.next();
    }

    private static void setIfAbsent(MultiMap headers, String name, String value) {
        if (!headers.contains(name)) {
            headers.set(name, value);
        }
    }
}
