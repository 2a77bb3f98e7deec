package io.scalemesh.gateway.ratelimit;

import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Token buckets per caller: {@code capacity} requests at once, refilled at {@code refill-per-second}.
 * {@code routes.<name>} (the path segment after /api/v1/: actions, notifications, billing, ...)
 * overrides the default for one route.
 */
@ConfigMapping(prefix = "mesh.gateway.rate-limit")
public interface RateLimits {

    @WithDefault("true")
    boolean enabled();

    Bucket defaults();

    Map<String, Bucket> routes();

    interface Bucket {
        int capacity();

        double refillPerSecond();
    }

    default Bucket forRoute(String route) {
        return routes().getOrDefault(route, defaults());
    }
}
