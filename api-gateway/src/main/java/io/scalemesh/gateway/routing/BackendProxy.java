package io.scalemesh.gateway.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.scalemesh.events.http.MeshIdentity;
import io.scalemesh.events.http.Problem;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Forwards {@code /api/v1/<route>/**} to the route's backend after authenticating the caller,
 * streaming both ways (so Server-Sent Events pass through). The backend learns who calls from
 * {@code X-Mesh-User}/{@code X-Mesh-Roles}; the bearer token itself is not passed on, and identity
 * headers a client sends are dropped.
 */
@ApplicationScoped
public class BackendProxy {

    private static final Logger LOG = Logger.getLogger(BackendProxy.class);

    /** Hop-by-hop headers (RFC 9110 §7.6.1) and what the gateway itself owns. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "authorization",
            MeshIdentity.USER_HEADER.toLowerCase(), MeshIdentity.ROLES_HEADER.toLowerCase());

    @Inject
    Backends backends;

    @Inject
    Vertx vertx;

    @Inject
    ObjectMapper json;

    private HttpClient client;
    private final Map<String, AtomicInteger> cursors = new ConcurrentHashMap<>();
    /** Passive health: an instance that failed is tried last until then (System.nanoTime). */
    private final Map<String, Long> downUntil = new ConcurrentHashMap<>();
    private static final Duration DOWN_FOR = Duration.ofSeconds(5);
    private static final Set<HttpMethod> SAFE_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    void register(@Observes Router router) {
        client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000).setMaxPoolSize(200)
                .setKeepAlive(true).setIdleTimeout(60));
        for (String route : backends.route().keySet()) {
            router.route("/api/v1/" + route + "*").handler(ctx -> proxy(ctx, route));
        }
    }

    private void proxy(RoutingContext ctx, String route) {
        HttpServerRequest request = ctx.request();
        request.pause();
        QuarkusHttpUser.getSecurityIdentity(ctx, null).subscribe().with(identity -> {
            if (identity == null || identity.isAnonymous()) {
                problem(ctx, Problem.unauthorized("a bearer token is required (Authorization: Bearer <JWT>)"));
            } else if (backends.route().get(route).adminOnly() && !identity.hasRole("admin")) {
                problem(ctx, Problem.forbidden("this needs the admin role"));
            } else {
                forward(ctx, route, identity);
            }
        }, failure -> {
            if (failure instanceof AuthenticationFailedException) {
                problem(ctx, Problem.unauthorized("the bearer token is invalid, expired or not issued by this mesh"));
            } else {
                LOG.error("authentication failed unexpectedly", failure);
                problem(ctx, Problem.of(500, "internal", "Internal error", "authentication could not complete"));
            }
        });
    }

    private void forward(RoutingContext ctx, String route, SecurityIdentity identity) {
        forward(ctx, route, identity, candidates(route), 0);
    }

    /**
     * Tries the route's instances in turn. An instance that refuses the connection has received
     * nothing, so any request moves on to the next; one that fails after the request went out is
     * retried elsewhere only for a safe method (GET, HEAD, OPTIONS), whose repetition changes nothing.
     */
    private void forward(RoutingContext ctx, String route, SecurityIdentity identity, List<String> candidates, int index) {
        HttpServerRequest in = ctx.request();
        String instance = candidates.get(index);
        boolean last = index + 1 >= candidates.size();
        String[] target = instance.split(":");
        RequestOptions options = new RequestOptions().setMethod(in.method()).setHost(target[0])
                .setPort(Integer.parseInt(target[1])).setURI(in.uri());
        client.request(options).onSuccess(out -> {
            copyHeaders(in.headers(), out.headers());
            out.putHeader(MeshIdentity.USER_HEADER, identity.getPrincipal().getName());
            out.putHeader(MeshIdentity.ROLES_HEADER, String.join(",", identity.getRoles()));
            out.putHeader("X-Forwarded-For", in.remoteAddress() == null ? "" : in.remoteAddress().host());
            out.putHeader("X-Forwarded-Proto", in.scheme());
            out.send(in).onSuccess(response -> {
                downUntil.remove(instance);
                relay(ctx, response);
            }).onFailure(e -> {
                markDown(instance, e);
                if (!last && SAFE_METHODS.contains(in.method()) && !ctx.response().headWritten()) {
                    forward(ctx, route, identity, candidates, index + 1);
                } else {
                    unavailable(ctx, route, e);
                }
            });
        }).onFailure(e -> {
            markDown(instance, e);
            if (last) {
                unavailable(ctx, route, e);
            } else {
                forward(ctx, route, identity, candidates, index + 1);
            }
        });
    }

    /** The route's instances in round-robin order, those recently failed last. */
    private List<String> candidates(String route) {
        List<String> instances = backends.route().get(route).instances();
        int start = Math.floorMod(cursors.computeIfAbsent(route, r -> new AtomicInteger()).getAndIncrement(), instances.size());
        List<String> healthy = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        long now = System.nanoTime();
        for (int i = 0; i < instances.size(); i++) {
            String instance = instances.get((start + i) % instances.size());
            Long until = downUntil.get(instance);
            (until != null && until - now > 0 ? failed : healthy).add(instance);
        }
        healthy.addAll(failed);
        return healthy;
    }

    private void markDown(String instance, Throwable cause) {
        if (downUntil.put(instance, System.nanoTime() + DOWN_FOR.toNanos()) == null) {
            LOG.warnf("backend %s failed (%s); it goes last for %d s", instance, cause.toString(), DOWN_FOR.toSeconds());
        }
    }

    private void relay(RoutingContext ctx, HttpClientResponse response) {
        HttpServerResponse out = ctx.response();
        out.setStatusCode(response.statusCode());
        copyHeaders(response.headers(), out.headers());
        if (response.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
            out.setChunked(true);
        }
        response.pipeTo(out);
    }

    private static void copyHeaders(MultiMap from, MultiMap to) {
        from.forEach(header -> {
            if (!NOT_FORWARDED.contains(header.getKey().toLowerCase())) {
                to.add(header.getKey(), header.getValue());
            }
        });
    }

    private void unavailable(RoutingContext ctx, String route, Throwable cause) {
        LOG.warnf("backend of /api/v1/%s unavailable: %s", route, cause.toString());
        ctx.response().putHeader("Retry-After", "2");
        problem(ctx, Problem.unavailable("the " + route + " service is not reachable right now"));
    }

    private void problem(RoutingContext ctx, Problem problem) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        ctx.request().resume();
        try {
            HttpServerResponse response = ctx.response().setStatusCode(problem.status())
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
            if (problem.status() == 401) {
                response.putHeader("WWW-Authenticate", "Bearer realm=\"scalemesh\"");
            }
            response.end(json.writeValueAsString(problem.withInstance(ctx.request().path())));
        } catch (JsonProcessingException e) {
            ctx.response().setStatusCode(500).end();
        }
    }
}
