package io.scalemesh.gateway;

import java.time.Duration;
import java.util.Set;

import io.smallrye.config.ConfigMapping;

/**
 * The gateway's own settings ({@code mesh.gateway.*}, besides the rate limits of RateLimits),
 * read once and checked at start: a missing or mistyped value stops the gateway. Their values,
 * and why each is what it is, live in application.properties, never here.
 */
@ConfigMapping(prefix = "mesh.gateway")
public interface GatewaySettings {

    /** The action types a client may post. */
    Set<String> actionTypes();

    /** How long an action waits for the broker's ack before the client gets 503. */
    Duration publishTimeout();

    int maxActionBytes();

    int maxBatchBytes();

    int maxBatchActions();

    /** How deep an action's attributes may nest. */
    int maxJsonDepth();

    /** The longest string an action's attributes may hold. */
    int maxAttributeChars();

    /** POST /api/v1/noop, a benchmark's baseline: 404 unless on. */
    boolean noopEndpoint();

    Idempotency idempotency();

    Balancer balancer();

    Backend backend();

    Streams streams();

    Discovery discovery();

    interface Idempotency {
        /** How long an Idempotency-Key's answer is kept for a retry. */
        Duration ttl();

        /** How long an in-flight claim lasts if its gateway dies before finishing. */
        Duration claimTtl();
    }

    interface Balancer {
        /** round-robin or least-loaded (see InstancePool). */
        String policy();

        /** Failures in a row that open an instance's circuit. */
        int failureThreshold();

        Duration openFor();
    }

    interface Backend {
        Duration connectTimeout();

        /** A request (not a stream) that stalls this long has failed. */
        Duration idleTimeout();
    }

    interface Streams {
        int maxPerUser();

        Duration maxAge();
    }

    interface Discovery {
        /** How often a headless Service's addresses are resolved again. */
        Duration refresh();
    }
}
