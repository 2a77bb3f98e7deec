package io.scalemesh.gateway.routing;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.jboss.logging.Logger;

import io.scalemesh.service.http.Problem;
import io.scalemesh.gateway.GatewaySettings;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Sends an admitted request to one of its route's instances, streaming both ways (so Server-Sent
 * Events pass through), with the caller's internal identity token in {@code Authorization}; the
 * client's own token and the hop-by-hop headers are not passed on.
 */
@ApplicationScoped
public class BackendForwarder {

    @Inject
    GatewaySettings settings;

    private static final Logger LOG = Logger.getLogger(BackendForwarder.class);

    /** Hop-by-hop headers (RFC 9110 §7.6.1) and what the gateway itself owns. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "authorization");
    private static final Set<HttpMethod> SAFE_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    @Inject
    Vertx vertx;

    @Inject
    BackendPools pools;

    @Inject
    ProxyProblems problems;



    private HttpClient client;

    @PostConstruct
    void createClient() {
        client = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(200).setKeepAlive(true).setIdleTimeout(60));
    }

    void forward(RoutingContext ctx, String route, String bearer) {
        InstancePool pool = pools.of(route);
        InstancePool.Plan plan = pool.plan();
        if (plan.order().isEmpty()) {
            unavailable(ctx, route, plan.retryAfterSeconds(), "every instance's circuit is open");
            return;
        }
        forward(ctx, route, bearer, pool, plan.order(), 0);
    }

    static boolean isStream(HttpServerRequest request) {
        return String.valueOf(request.getHeader(HttpHeaders.ACCEPT)).contains("text/event-stream");
    }

    /**
     * Tries the planned instances in turn. An instance that refuses the connection has received
     * nothing, so any request moves on to the next; one that fails after the request went out (an
     * error, the idle timeout, or a 502/503/504) is left for the next instance only for a safe method
     * (GET, HEAD, OPTIONS), whose repetition changes nothing and which has no body to send again.
     */
    private void forward(RoutingContext ctx, String route, String bearer, InstancePool pool,
            List<InstancePool.Instance> order, int index) {
        if (index >= order.size()) {
            unavailable(ctx, route, 1, "no instance could take the request");
            return;
        }
        InstancePool.Instance instance = order.get(index);
        if (!pool.acquire(instance)) {
            forward(ctx, route, bearer, pool, order, index + 1); // half-open, its one trial request under way
            return;
        }
        HttpServerRequest in = ctx.request();
        boolean last = index + 1 >= order.size();
        RequestOptions options = new RequestOptions().setMethod(in.method()).setHost(instance.host).setPort(instance.port)
                .setURI(in.uri()).setConnectTimeout(settings.backend().connectTimeout().toMillis())
                // A stream may rightly stay quiet for long; anything else that stalls this long has failed.
                .setIdleTimeout(isStream(in) ? 0 : settings.backend().idleTimeout().toMillis());
        long begin = System.nanoTime();
        client.request(options).onSuccess(out -> {
            if (ctx.response().closed()) { // the client left while the connection was being made
                out.reset();
                pool.abandoned(instance);
                return;
            }
            // A client that goes away mid-request leaves a request that can never end (its body is
            // piped from the client): reset it, and blame no instance. Counted as failures, such
            // requests timed out after 30 s and opened the breaker of a healthy backend.
            ctx.response().closeHandler(closed -> out.reset());
            copyHeaders(in.headers(), out.headers());
            out.putHeader(HttpHeaders.AUTHORIZATION, bearer);
            out.putHeader("X-Forwarded-For", in.remoteAddress() == null ? "" : in.remoteAddress().host());
            out.putHeader("X-Forwarded-Proto", in.scheme());
            // A retry of a safe request finds the client's (empty) body already read: send none again.
            (in.isEnded() ? out.send() : out.send(in)).onSuccess(response -> {
                int status = response.statusCode();
                if (status == 502 || status == 503 || status == 504) {
                    pools.failed(route, instance, "answered " + status);
                    if (!last && SAFE_METHODS.contains(in.method())) {
                        response.body().onComplete(drained -> forward(ctx, route, bearer, pool, order, index + 1));
                        return;
                    }
                } else {
                    pool.succeeded(instance, System.nanoTime() - begin);
                }
                relay(ctx, response);
            }).onFailure(e -> {
                if (ctx.response().closed()) {
                    pool.abandoned(instance);
                    return;
                }
                pools.failed(route, instance, e.toString());
                if (!last && SAFE_METHODS.contains(in.method()) && !ctx.response().headWritten()) {
                    forward(ctx, route, bearer, pool, order, index + 1);
                } else {
                    unavailable(ctx, route, 2, e.toString());
                }
            });
        }).onFailure(e -> {
            pools.failed(route, instance, e.toString());
            forward(ctx, route, bearer, pool, order, index + 1);
        });
    }

    private static void relay(RoutingContext ctx, HttpClientResponse response) {
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
            String name = header.getKey().toLowerCase();
            // X-Mesh-*: the mesh's own header namespace, never the client's to set.
            if (!NOT_FORWARDED.contains(name) && !name.startsWith("x-mesh-")) {
                to.add(header.getKey(), header.getValue());
            }
        });
    }

    private void unavailable(RoutingContext ctx, String route, long retryAfterSeconds, String cause) {
        LOG.debugf("backend of /api/v1/%s unavailable: %s", route, cause);
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        ctx.response().putHeader("Retry-After", Long.toString(retryAfterSeconds));
        problems.answer(ctx, Problem.unavailable("the " + route + " service is not reachable right now"));
    }
}
