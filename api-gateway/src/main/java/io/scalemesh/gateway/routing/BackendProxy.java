package io.scalemesh.gateway.routing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.scalemesh.events.http.Problem;
import io.scalemesh.events.http.ProblemException;
import io.scalemesh.events.identity.InternalTokens;
import io.scalemesh.gateway.security.Caller;
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
 * streaming both ways (so Server-Sent Events pass through). The backend learns who calls from an
 * internal identity token minted here ({@link InternalTokens}) in {@code Authorization}; the
 * client's own token is not passed on.
 */
@ApplicationScoped
public class BackendProxy {

    private static final Logger LOG = Logger.getLogger(BackendProxy.class);

    /** Hop-by-hop headers (RFC 9110 §7.6.1) and what the gateway itself owns. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "authorization");

    @Inject
    Backends backends;

    @Inject
    Vertx vertx;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry registry;

    @Inject
    InternalTokens internalTokens;

    @Inject
    OpenStreams streams;

    @ConfigProperty(name = "mesh.gateway.balancer.policy", defaultValue = "round-robin")
    String policy;

    @ConfigProperty(name = "mesh.gateway.balancer.failure-threshold", defaultValue = "3")
    int failureThreshold;

    @ConfigProperty(name = "mesh.gateway.balancer.open-for", defaultValue = "5s")
    Duration openFor;

    @ConfigProperty(name = "mesh.gateway.backend.connect-timeout", defaultValue = "2s")
    Duration connectTimeout;

    @ConfigProperty(name = "mesh.gateway.backend.idle-timeout", defaultValue = "30s")
    Duration idleTimeout;

    @ConfigProperty(name = "mesh.gateway.discovery.refresh", defaultValue = "5s")
    Duration discoveryRefresh;

    private HttpClient client;
    private final Map<String, InstancePool> pools = new ConcurrentHashMap<>();
    private static final Set<HttpMethod> SAFE_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    void register(@Observes Router router) {
        client = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(200).setKeepAlive(true).setIdleTimeout(60));
        InstancePool.Policy balancing = InstancePool.Policy.parse(policy);
        backends.route().forEach((route, backend) -> {
            List<String> entries = backend.instances();
            boolean dynamic = InstanceDiscovery.dynamic(entries);
            if (dynamic) {
                InstanceDiscovery.cacheAnswersFor(discoveryRefresh);
            }
            InstancePool pool = new InstancePool(dynamic ? InstanceDiscovery.resolve(entries) : entries, balancing, failureThreshold, openFor);
            pools.put(route, pool);
            pool.instances().forEach(instance -> {
                registry.counter("scalemesh.gateway.backend.failures", "route", route, "instance", instance.address);
                registry.counter("scalemesh.gateway.circuit.opened", "route", route, "instance", instance.address);
            });
            if (dynamic) {
                vertx.setPeriodic(discoveryRefresh.toMillis(), id -> vertx.<List<String>>executeBlocking(() -> InstanceDiscovery.resolve(entries), false)
                        .onSuccess(found -> {
                            // An empty answer (DNS down, a rollout's gap) keeps the last known set.
                            if (!found.isEmpty()) {
                                pool.replace(found);
                            }
                        }));
            }
        });
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
                String user;
                try {
                    user = Caller.userId(identity);
                } catch (ProblemException e) {
                    problem(ctx, e.problem());
                    return;
                }
                if (isStream(ctx.request()) && !admitStream(ctx, user)) {
                    return;
                }
                forward(ctx, route, internalTokens.bearer(user, identity.getRoles()));
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

    private static boolean isStream(HttpServerRequest request) {
        return String.valueOf(request.getHeader(HttpHeaders.ACCEPT)).contains("text/event-stream");
    }

    /** Counts the stream against the user's cap (429 past it) and closes it at its maximum age. */
    private boolean admitStream(RoutingContext ctx, String user) {
        if (!streams.open(user)) {
            ctx.response().putHeader("Retry-After", "5");
            problem(ctx, Problem.of(429, "too-many-streams", "Too many open streams",
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

    private void forward(RoutingContext ctx, String route, String bearer) {
        InstancePool pool = pools.get(route);
        InstancePool.Plan plan = pool.plan();
        if (plan.order().isEmpty()) {
            unavailable(ctx, route, plan.retryAfterSeconds(), "every instance's circuit is open");
            return;
        }
        forward(ctx, route, bearer, pool, plan.order(), 0);
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
        boolean stream = isStream(in);
        RequestOptions options = new RequestOptions().setMethod(in.method()).setHost(instance.host).setPort(instance.port)
                .setURI(in.uri()).setConnectTimeout(connectTimeout.toMillis())
                // A stream may rightly stay quiet for long; anything else that stalls this long has failed.
                .setIdleTimeout(stream ? 0 : idleTimeout.toMillis());
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
                    failed(pool, route, instance, "answered " + status);
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
                failed(pool, route, instance, e.toString());
                if (!last && SAFE_METHODS.contains(in.method()) && !ctx.response().headWritten()) {
                    forward(ctx, route, bearer, pool, order, index + 1);
                } else {
                    unavailable(ctx, route, 2, e.toString());
                }
            });
        }).onFailure(e -> {
            failed(pool, route, instance, e.toString());
            forward(ctx, route, bearer, pool, order, index + 1);
        });
    }

    private void failed(InstancePool pool, String route, InstancePool.Instance instance, String why) {
        registry.counter("scalemesh.gateway.backend.failures", "route", route, "instance", instance.address).increment();
        if (pool.failed(instance)) {
            registry.counter("scalemesh.gateway.circuit.opened", "route", route, "instance", instance.address).increment();
            LOG.warnf("backend %s of /api/v1/%s failed %s times in a row (last: %s); its circuit is open for %s",
                    instance.address, route, failureThreshold, why, openFor);
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
