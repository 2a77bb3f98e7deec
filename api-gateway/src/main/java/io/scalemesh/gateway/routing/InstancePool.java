package io.scalemesh.gateway.routing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One route's backend instances, each behind a circuit breaker, in the order a request should try
 * them. An instance that fails {@code failureThreshold} times in a row is open: it gets no request
 * for {@code openFor}. Then it is half-open: one request tries it; success closes it, failure
 * opens it again. Policies: round-robin, or least-response-time (the lowest moving average of
 * latency × requests in flight, so a slow instance gets less).
 */
final class InstancePool {

    enum Policy {
        ROUND_ROBIN, LEAST_RESPONSE_TIME;

        static Policy parse(String value) {
            return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
    }

    /** One instance's breaker and latency. */
    static final class Instance {
        final String address;
        final String host;
        final int port;
        final AtomicInteger consecutiveFailures = new AtomicInteger();
        /** System.nanoTime() until which the breaker is open; CLOSED when it is not. */
        final AtomicLong openUntil = new AtomicLong(CLOSED);
        final AtomicBoolean trialInFlight = new AtomicBoolean();
        final AtomicInteger inFlight = new AtomicInteger();
        /** Exponentially weighted moving average of response time, in nanoseconds (0: not measured yet). */
        volatile double latency;

        Instance(String address) {
            this.address = address;
            int colon = address.lastIndexOf(':');
            this.host = address.substring(0, colon).replace("[", "").replace("]", ""); // an IPv6 literal
            this.port = Integer.parseInt(address.substring(colon + 1));
        }

        boolean open(long now) {
            long until = openUntil.get();
            return until != CLOSED && until - now > 0;
        }
    }

    /** What a request gets: the instances to try, in order, or when to come back if every one is open. */
    record Plan(List<Instance> order, long retryAfterSeconds) {
    }

    private static final double WEIGHT = 0.2;
    static final long CLOSED = Long.MIN_VALUE;

    /** Replaced whole when discovery finds another set; each known instance keeps its breaker. */
    private volatile List<Instance> instances;
    private final Policy policy;
    private final int failureThreshold;
    private final long openForNanos;
    private final AtomicInteger cursor = new AtomicInteger();

    InstancePool(List<String> addresses, Policy policy, int failureThreshold, Duration openFor) {
        this.instances = addresses.stream().map(String::trim).filter(a -> !a.isEmpty()).map(Instance::new).toList();
        this.policy = policy;
        this.failureThreshold = failureThreshold;
        this.openForNanos = openFor.toNanos();
    }

    List<Instance> instances() {
        return instances;
    }

    /** Takes a newly discovered set of addresses; an address seen before keeps its breaker and latency. */
    void replace(List<String> addresses) {
        java.util.Map<String, Instance> known = new java.util.HashMap<>();
        instances.forEach(i -> known.put(i.address, i));
        instances = addresses.stream().distinct().map(a -> known.getOrDefault(a, new Instance(a))).toList();
    }

    Plan plan() {
        List<Instance> instances = this.instances;
        long now = System.nanoTime();
        if (instances.isEmpty()) {
            return new Plan(List.of(), 1);
        }
        List<Instance> order = new ArrayList<>();
        for (int i = 0, start = Math.floorMod(cursor.getAndIncrement(), instances.size()); i < instances.size(); i++) {
            Instance instance = instances.get((start + i) % instances.size());
            if (!instance.open(now)) {
                order.add(instance);
            }
        }
        if (policy == Policy.LEAST_RESPONSE_TIME && order.size() > 1) {
            order.sort(Comparator.comparingDouble(InstancePool::score));
        }
        long retryAfter = 1;
        if (order.isEmpty()) {
            long soonest = instances.stream().filter(i -> i.open(now)).mapToLong(i -> i.openUntil.get() - now).min().orElse(0);
            retryAfter = Math.max(1, (soonest + 999_999_999L) / 1_000_000_000L);
        }
        return new Plan(order, retryAfter);
    }

    /** Unmeasured instances first (so each gets measured), then the least loaded by latency × (in flight + 1). */
    private static double score(Instance instance) {
        return instance.latency == 0 ? -1 + ThreadLocalRandom.current().nextDouble() * 1e-3
                : instance.latency * (instance.inFlight.get() + 1);
    }

    /**
     * Takes the instance for one request: always when closed; when half-open (its open time over),
     * only as the one trial request, which others pass by until it answers.
     */
    boolean acquire(Instance instance) {
        boolean halfOpen = instance.consecutiveFailures.get() >= failureThreshold;
        if (halfOpen && (instance.open(System.nanoTime()) || !instance.trialInFlight.compareAndSet(false, true))) {
            return false;
        }
        instance.inFlight.incrementAndGet();
        return true;
    }

    void succeeded(Instance instance, long elapsedNanos) {
        instance.inFlight.decrementAndGet();
        instance.latency = instance.latency == 0 ? elapsedNanos : (1 - WEIGHT) * instance.latency + WEIGHT * elapsedNanos;
        instance.consecutiveFailures.set(0);
        instance.openUntil.set(CLOSED);
        instance.trialInFlight.set(false);
    }

    /**
     * Gives an acquired instance back without a verdict: the client went away before the answer
     * came, which says nothing of the instance (a half-open breaker waits for the next trial).
     */
    void abandoned(Instance instance) {
        instance.inFlight.decrementAndGet();
        instance.trialInFlight.set(false);
    }

    /** Counts a failure of an acquired instance; answers true when it opened the breaker. */
    boolean failed(Instance instance) {
        instance.inFlight.decrementAndGet();
        instance.trialInFlight.set(false);
        if (instance.consecutiveFailures.incrementAndGet() >= failureThreshold) {
            instance.openUntil.set(System.nanoTime() + openForNanos);
            return true;
        }
        return false;
    }
}
