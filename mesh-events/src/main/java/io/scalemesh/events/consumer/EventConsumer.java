package io.scalemesh.events.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.InvalidEventException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * How every consumer handles a poll's batch of Kafka records: decode and validate each, apply the
 * effects of the whole batch together (one round trip to the store), count the outcomes.
 *
 * <ul>
 * <li>A record that can never succeed (invalid, or its effect cannot be prepared) goes to
 * {@code <topic>.dlq} on its own, through the channel's dead-letter-queue strategy, with the reason
 * in its headers; its neighbours go on.</li>
 * <li>While a dependency is out (see {@link Failures}) the batch is retried without limit, backing
 * off to {@link #MAX_OUTAGE_BACKOFF}: the consumer waits and Kafka holds the backlog.</li>
 * <li>Any other failure of the batch is some record's own: the batch is then applied one record at
 * a time, in order, each with {@code maxAttempts} tries (none after a {@link DeadLetterException}),
 * and only the records that still fail are dead-lettered.</li>
 * </ul>
 * The returned Uni completes once every effect is stored and every dead letter is sent; only then
 * does the channel acknowledge the batch and commit its offsets. A crash before that replays the
 * batch, and the inbox makes the replay change nothing.
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
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    /** What a consumer does with a batch of events. */
    public interface BatchEffect<T> {

        /**
         * What the event will do, or empty for an event this consumer has nothing to do with. Runs
         * once per event, before any store is touched; an {@link InvalidEventException} dead-letters the event.
         */
        Optional<T> prepare(EventEnvelope event);

        /**
         * Applies the effects, each at most once whatever was applied before, in their order, in one
         * round trip where the store allows; answers the ids of the events applied now (the others
         * were duplicates). All or nothing: a failure must leave nothing applied.
         */
        Uni<Set<String>> apply(List<T> effects);

        static <T> BatchEffect<T> of(Function<EventEnvelope, Optional<T>> prepare, Function<List<T>, Uni<Set<String>>> apply) {
            return new BatchEffect<>() {
                @Override
                public Optional<T> prepare(EventEnvelope event) {
                    return prepare.apply(event);
                }

                @Override
                public Uni<Set<String>> apply(List<T> effects) {
                    return apply.apply(effects);
                }
            };
        }
    }

    public EventConsumer(String service, MeterRegistry registry, int maxAttempts, Duration firstBackoff) {
        this.service = service;
        this.registry = registry;
        this.maxAttempts = maxAttempts;
        this.firstBackoff = firstBackoff;
    }

    /** One delivered record: its message (to dead-letter it alone), the record, and its consume span. */
    private record Delivery(Message<?> message, ConsumerRecord<?, ?> record, Context trace) {
    }

    /** Handles one poll of a channel consuming {@code topic}; see the class comment. */
    public <T> Uni<Void> handleBatch(String consumer, String topic, IncomingKafkaRecordBatchMetadata<String, String> batch,
            BatchEffect<T> effect) {
        register(consumer, topic);
        List<T> work = new ArrayList<>();
        List<Delivery> workDeliveries = new ArrayList<>();
        List<Uni<Void>> deadLetters = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int ignored = 0;
        int repeated = 0;
        for (Message<?> message : batch.getBatchedMessages()) {
            Delivery delivery = delivery(message);
            Object value = delivery.record().value();
            try {
                EventEnvelope event = EventCodec.decode(value == null ? null : value.toString());
                if (!seen.add(event.id())) {
                    repeated++; // the same event twice in one poll: the first one's effect is the only one
                    continue;
                }
                Optional<T> prepared = effect.prepare(event);
                if (prepared.isEmpty()) {
                    ignored++;
                } else {
                    work.add(prepared.get());
                    workDeliveries.add(delivery);
                }
            } catch (InvalidEventException e) {
                deadLetters.add(deadLetter(consumer, topic, delivery, e, "invalid message on " + topic));
            }
        }
        count("scalemesh.events.consumed", consumer, topic, ignored);
        count("scalemesh.events.deduplicated", consumer, topic, repeated);
        if (work.isEmpty()) {
            return joinAll(deadLetters);
        }
        // The store work is traced in the first applied record's consume span: one statement cannot be in every trace.
        Context trace = workDeliveries.get(0).trace();
        Uni<Void> applied = waitingOutOutages(consumer, tracedIn(trace, () -> effect.apply(work)))
                .invoke(ids -> counted(consumer, topic, ids.size(), work.size() - ids.size(), 0))
                .replaceWithVoid()
                .onFailure(failure -> !Failures.isOutage(failure)).recoverWithUni(failure -> {
                    LOG.warnf("%s: a batch of %d events on %s failed (%s); applying them one at a time", consumer, work.size(), topic,
                            failure.toString());
                    return oneByOne(consumer, topic, work, workDeliveries, effect);
                });
        return joinAll(deadLetters).chain(() -> applied);
    }

    /** In order, each event alone with bounded retries; the ones that still fail go to the DLQ. */
    private <T> Uni<Void> oneByOne(String consumer, String topic, List<T> work, List<Delivery> deliveries, BatchEffect<T> effect) {
        List<Integer> indexes = java.util.stream.IntStream.range(0, work.size()).boxed().toList();
        return Multi.createFrom().iterable(indexes).onItem().transformToUniAndConcatenate(i -> {
            T one = work.get(i);
            Delivery delivery = deliveries.get(i);
            return waitingOutOutages(consumer, tracedIn(delivery.trace(), () -> effect.apply(List.of(one))))
                    .onFailure(failure -> !(failure instanceof DeadLetterException || Failures.isOutage(failure)))
                    .retry().withBackOff(firstBackoff, firstBackoff.multipliedBy(32)).atMost(maxAttempts - 1L)
                    .invoke(ids -> counted(consumer, topic, ids.size(), 1 - ids.size(), 0))
                    .replaceWithVoid()
                    .onFailure().recoverWithUni(failure -> deadLetter(consumer, topic, delivery, failure,
                            "the event at offset " + delivery.record().offset() + " of " + topic + "-" + delivery.record().partition()
                                    + " failed after " + maxAttempts + " attempts and"));
        }).collect().last().replaceWithVoid();
    }

    /** Retries while the failure is an outage, without limit, backing off; other failures pass through. */
    private <T> Uni<T> waitingOutOutages(String consumer, Uni<T> attempt) {
        return attempt
                .onFailure(Failures::isOutage).invoke(outage -> LOG.warnf("%s: waiting for a dependency to return (%s)", consumer,
                        outage.toString()))
                .onFailure(Failures::isOutage).retry().withBackOff(firstBackoff, MAX_OUTAGE_BACKOFF).indefinitely();
    }

    /**
     * Sends one record to its DLQ through the channel's failure strategy (which also acknowledges it).
     * A DLQ that cannot be reached is an outage like any other: the send is retried until it passes,
     * since failing the batch would dead-letter every record in it.
     */
    private Uni<Void> deadLetter(String consumer, String topic, Delivery delivery, Throwable reason, String what) {
        try (Scope scope = delivery.trace() == null ? null : delivery.trace().makeCurrent()) {
            LOG.warnf("%s: %s goes to the DLQ: %s", consumer, what, reason.getMessage());
        }
        return Uni.createFrom().completionStage(() -> delivery.message().nack(reason))
                .onFailure().invoke(failure -> LOG.warnf("%s: the DLQ of %s did not take a record yet (%s)", consumer, topic,
                        failure.toString()))
                .onFailure().retry().withBackOff(firstBackoff, MAX_OUTAGE_BACKOFF).indefinitely()
                .invoke(() -> count("scalemesh.events.dead.lettered", consumer, topic, 1));
    }

    /** Runs {@code work} with {@code trace} as the current context, so the store's spans are its children. */
    private static <T> Uni<T> tracedIn(Context trace, Supplier<Uni<T>> work) {
        if (trace == null) {
            return Uni.createFrom().deferred(work::get);
        }
        return Uni.createFrom().deferred(() -> {
            // Held open until the attempt ends: the client reads the parent when it sends, which can be later than subscription.
            Scope scope = trace.makeCurrent();
            try {
                return work.get().onTermination().invoke(scope::close);
            } catch (RuntimeException e) {
                scope.close();
                throw e;
            }
        });
    }

    private static Delivery delivery(Message<?> message) {
        ConsumerRecord<?, ?> record = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("a batched message without its Kafka record")).getRecord();
        Context trace = message.getMetadata(TracingMetadata.class).map(TracingMetadata::getCurrentContext).orElse(null);
        return new Delivery(message, record, trace);
    }

    private static Uni<Void> joinAll(List<Uni<Void>> unis) {
        return unis.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(unis).andFailFast().replaceWithVoid();
    }

    /** For a consumer that applies its batches itself (task-service's worker): the same three counters. */
    public void counted(String consumer, String topic, int consumed, int deduplicated, int deadLettered) {
        register(consumer, topic);
        count("scalemesh.events.consumed", consumer, topic, consumed);
        count("scalemesh.events.deduplicated", consumer, topic, deduplicated);
        count("scalemesh.events.dead.lettered", consumer, topic, deadLettered);
    }

    private void register(String consumer, String topic) {
        if (registered.add(consumer + "/" + topic)) {
            // All three outcomes exist from the first message on, at zero: "none yet" is a value, not a gap.
            counted(consumer, topic, 0, 0, 0);
        }
    }

    private void count(String name, String consumer, String topic, int by) {
        registry.counter(name, "service", service, "consumer", consumer, "topic", topic).increment(by);
    }
}
