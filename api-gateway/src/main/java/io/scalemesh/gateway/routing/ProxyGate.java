package io.scalemesh.gateway.routing;

import org.jboss.logging.Logger;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.service.identity.InternalTokens;
import io.scalemesh.gateway.security.Caller;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The way into {@code /api/v1/<route>/**}: a request goes on to its backend ({@link
 * BackendForwarder}) only with a valid caller (401), the admin role where the route asks for it
 * (403), and, for an event stream, a free place among the user's open streams (429). The backend
 * learns who calls from an internal identity token minted here ({@link InternalTokens}).
 */
@ApplicationScoped
public class ProxyGate {

    private static final Logger LOG = Logger.getLogger(ProxyGate.class);

    @Inject
    Backends backends;

    @Inject
    BackendPools pools;

    @Inject
    BackendForwarder forwarder;

    @Inject
    InternalTokens internalTokens;

    @Inject
    OpenStreams streams;

    @Inject
    ProxyProblems problems;

    @Inject
    Vertx vertx;

    void register(@Observes Router router) {
        for (String route : backends.route().keySet()) {
            pools.of(route); // the pools exist before the first request
            router.route("/api/v1/" + route + "*").handler(ctx -> admit(ctx, route));
        }
    }

    private void admit(RoutingContext ctx, String route) {
        HttpServerRequest request = ctx.request();
        request.pause();
        QuarkusHttpUser.getSecurityIdentity(ctx, null).subscribe().with(identity -> {
            if (identity == null || identity.isAnonymous()) {
                problems.answer(ctx, Problem.unauthorized("a bearer token is required (Authorization: Bearer <JWT>)"));
            } else if (backends.route().get(route).adminOnly() && !identity.hasRole("admin")) {
                problems.answer(ctx, Problem.forbidden("this needs the admin role"));
            } else {
                String user;
                try {
                    user = Caller.userId(identity);
                } catch (ProblemException e) {
                    problems.answer(ctx, e.problem());
                    return;
                }
                if (BackendForwarder.isStream(request) && !admitStream(ctx, user)) {
                    return;
                }
                forwarder.forward(ctx, route, internalTokens.bearer(user, identity.getRoles()));
            }
        }, failure -> {
            if (failure instanceof AuthenticationFailedException) {
                problems.answer(ctx, Problem.unauthorized("the bearer token is invalid, expired or not issued by this mesh"));
            } else {
                LOG.error("authentication failed unexpectedly", failure);
                problems.answer(ctx, Problem.of(500, "internal", "Internal error", "authentication could not complete"));
            }
        });
    }

    /** Counts the stream against the user's cap (429 past it) and closes it at its maximum age. */
    private boolean admitStream(RoutingContext ctx, String user) {
        if (!streams.open(user)) {
            ctx.response().putHeader("Retry-After", "5");
            problems.answer(ctx, Problem.of(429, "too-many-streams", "Too many open streams",
                    "at most " + streams.maxPerUser() + " event streams may be open per user; close one first"));
            return false;
        }
        long timer = vertx.setTimer(streams.maxAge().toMillis(), id -> {
            if (!ctx.response().ended()) {
                ctx.response().close(); // the client reconnects; the backend's side is reset with it
            }
        });
        ctx.addEndHandler(done -> {
            vertx.cancelTimer(timer);
            streams.closed(user);
        });
        return true;
    }
}
