package io.scalemesh.gateway.routing;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;


import io.scalemesh.gateway.GatewaySettings;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The Server-Sent Events streams each user holds open through this gateway instance: at most
 * {@code max-per-user} at once, each at most {@code max-age} old (then closed; an EventSource
 * reconnects by itself). A stream holds one of the backend pool's connections for its whole life,
 * so without these a few users could hold the pool and starve every other request.
 */
@ApplicationScoped
public class OpenStreams {

    private final ConcurrentHashMap<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final int maxPerUser;
    private final Duration maxAge;

    public OpenStreams(GatewaySettings settings) {
        this.maxPerUser = settings.streams().maxPerUser();
        this.maxAge = settings.streams().maxAge();
    }

    /** Counts a new stream of {@code user}'s, or answers false when they hold the most already. */
    public boolean open(String user) {
        AtomicInteger count = open.computeIfAbsent(user, u -> new AtomicInteger());
        if (count.incrementAndGet() > maxPerUser) {
            closed(user);
            return false;
        }
        return true;
    }

    public void closed(String user) {
        open.computeIfPresent(user, (u, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    public int maxPerUser() {
        return maxPerUser;
    }

    public Duration maxAge() {
        return maxAge;
    }
}
