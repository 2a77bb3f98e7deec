package io.scalemesh.gateway.routing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.scalemesh.gateway.GatewaySettings;
import io.vertx.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Each route's instances, balanced and guarded by circuit breakers ({@link InstancePool}), and
 * kept current from DNS where a route names a headless Service ({@link InstanceDiscovery}). Counts
 * each instance's failures and opened circuits.
 */
@ApplicationScoped
public class BackendPools {

    @Inject
    GatewaySettings settings;

    private static final Logger LOG = Logger.getLogger(BackendPools.class);

    @Inject
    Backends backends;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry registry;





    private final Map<String, InstancePool> pools = new ConcurrentHashMap<>();

    @PostConstruct
    void start() {
        InstancePool.Policy balancing = InstancePool.Policy.parse(settings.balancer().policy());
        backends.route().forEach((route, backend) -> {
            List<String> entries = backend.instances();
            boolean dynamic = InstanceDiscovery.dynamic(entries);
            if (dynamic) {
                InstanceDiscovery.cacheAnswersFor(settings.discovery().refresh());
            }
            InstancePool pool = new InstancePool(dynamic ? InstanceDiscovery.resolve(entries) : entries, balancing,
                    settings.balancer().failureThreshold(), settings.balancer().openFor());
            pools.put(route, pool);
            pool.instances().forEach(instance -> {
                registry.counter("scalemesh.gateway.backend.failures", "route", route, "instance", instance.address);
                registry.counter("scalemesh.gateway.circuit.opened", "route", route, "instance", instance.address);
            });
            if (dynamic) {
                vertx.setPeriodic(settings.discovery().refresh().toMillis(), id -> vertx.<List<String>>executeBlocking(() -> InstanceDiscovery.resolve(entries), false)
                        .onSuccess(found -> {
                            // An empty answer (DNS down, a rollout's gap) keeps the last known set.
                            if (!found.isEmpty()) {
                                pool.replace(found);
                            }
                        }));
            }
        });
    }

    /** The route's pool; every route of mesh.routes has one from the first use of this bean. */
    public InstancePool of(String route) {
        return pools.get(route);
    }

    /** An instance failed a request: counted, and its circuit opened once it failed too often in a row. */
    void failed(String route, InstancePool.Instance instance, String why) {
        registry.counter("scalemesh.gateway.backend.failures", "route", route, "instance", instance.address).increment();
        if (pools.get(route).failed(instance)) {
            registry.counter("scalemesh.gateway.circuit.opened", "route", route, "instance", instance.address).increment();
            LOG.warnf("backend %s of /api/v1/%s failed %s times in a row (last: %s); its circuit is open for %s",
                    instance.address, route, settings.balancer().failureThreshold(), why, settings.balancer().openFor());
        }
    }
}
