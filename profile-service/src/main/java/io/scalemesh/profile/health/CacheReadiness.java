package io.scalemesh.profile.health;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.scalemesh.profile.cache.ProfileCache;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Reports Redis but stays UP without it: the cache only speeds reads up, and taking every
 * instance out of rotation because the cache is down would turn a slowdown into an outage.
 */
@Readiness
@ApplicationScoped
public class CacheReadiness implements AsyncHealthCheck {

    public static final String NAME = "Profile cache (Redis, optional)";

    @Inject
    ProfileCache cache;

    @Override
    public Uni<HealthCheckResponse> call() {
        return cache.ping().map(up -> HealthCheckResponse.named(NAME).up()
                .withData("redis", up ? "UP" : "DOWN (reads served from PostgreSQL)").build());
    }
}
