package io.scalemesh.events.consumer;

import java.time.Duration;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.InvalidEventException;
import io.smallrye.mutiny.Uni;

/**
 * How every consumer handles one Kafka message: decode and validate, apply the effect, count the
 * outcome. While a dependency is out (see {@link Failures}) the effect is retried without limit,
 * backing off to {@link #MAX_OUTAGE_BACKOFF}: the consumer waits and Kafka holds the backlog. A
 * message that can never succeed (invalid), or that fails by itself {@code maxAttempts} times,
 * (or that its handler gives up on with a {@link DeadLetterException}) fails the returned Uni; the channel's dead-letter-queue strategy then sends it to
 * {@code <topic>.dlq} with the reason in its headers, and the consumer carries on with the next.
 *
 * <p>Metrics: {@code scalemesh_events_consumed_total}, {@code scalemesh_events_deduplicated_total},
 * {@code scalemesh_events_dead_lettered_total}, tagged with service, consumer and topic.
 */
public final class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);
    static final Duration MAX_OUTAGE_BACKOFF = Duration.ofSeconds(10);

    private final String service;
    private final MeterRegistry registry;
    private final int maxAttempts;
    private final Duration firstBackoff;
    private final java.util.Set<String> registered = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public EventConsumer(String service, MeterRegistry registry, int maxAttempts, Duration firstBackoff) {
        this.service = service;
        this.registry = registry;
        this.maxAttempts = maxAttempts;
        this.firstBackoff = firstBackoff;
    }

    /**
     * @param effect applies the event once and answers true, or answers false for a duplicate
     */
    public Uni<Void> handle(String consumer, String topic, String payload, Function<EventEnvelope, Uni<Boolean>> effect) {
        register(consumer, topic);
        EventEnvelope event;
        try {
            event = EventCodec.decode(payload);
        } catch (InvalidEventException e) {
            count("scalemesh.events.dead.lettered", consumer, topic);
            LOG.warnf("%s: invalid message on %s goes to the DLQ: %s", consumer, topic, e.getMessage());
            return Uni.createFrom().failure(e);
        }
        return Uni.createFrom().deferred(() -> effect.apply(event))
                .onFailure(Failures::isOutage).invoke(outage -> LOG.warnf("%s: waiting for a dependency to return (%s)", consumer, outage.toString()))
                .onFailure(Failures::isOutage).retry().withBackOff(firstBackoff, MAX_OUTAGE_BACKOFF).indefinitely()
                .onFailure(failure -> !(failure instanceof InvalidEventException || failure instanceof DeadLetterException))
                .retry().withBackOff(firstBackoff, firstBackoff.multipliedBy(32)).atMost(maxAttempts - 1L)
                .onItem().invoke(applied -> count(applied ? "scalemesh.events.consumed" : "scalemesh.events.deduplicated", consumer, topic))
                .onFailure().invoke(failure -> {
                    count("scalemesh.events.dead.lettered", consumer, topic);
                    LOG.errorf("%s: event %s on %s failed after %d attempts, to the DLQ: %s", consumer, event.id(), topic,
                            maxAttempts, failure.toString());
                })
                .replaceWithVoid();
    }

    /** For a consumer that takes whole batches and applies its effects itself: the same three counters. */
    public void counted(String consumer, String topic, int consumed, int deduplicated, int deadLettered) {
        register(consumer, topic);
        registry.counter("scalemesh.events.consumed", "service", service, "consumer", consumer, "topic", topic).increment(consumed);
        registry.counter("scalemesh.events.deduplicated", "service", service, "consumer", consumer, "topic", topic).increment(deduplicated);
        registry.counter("scalemesh.events.dead.lettered", "service", service, "consumer", consumer, "topic", topic).increment(deadLettered);
    }

    private void register(String consumer, String topic) {
        if (registered.add(consumer + "/" + topic)) {
            // All three outcomes exist from the first message on, at zero: "none yet" is a value, not a gap.
            registry.counter("scalemesh.events.consumed", "service", service, "consumer", consumer, "topic", topic);
            registry.counter("scalemesh.events.deduplicated", "service", service, "consumer", consumer, "topic", topic);
            registry.counter("scalemesh.events.dead.lettered", "service", service, "consumer", consumer, "topic", topic);
        }
    }

    private void count(String name, String consumer, String topic) {
        registry.counter(name, "service", service, "consumer", consumer, "topic", topic).increment();
    }
}
