package io.scalemesh.profile.messaging;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import io.micrometer.core.instrument.MeterRegistry;
import io.scalemesh.events.EventCodec;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventTypes;
import io.scalemesh.events.Topics;
import io.scalemesh.events.consumer.EventConsumer;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.events.kafka.EventRecords;
import io.scalemesh.profile.ProfileSettings;
import io.scalemesh.profile.cache.ProfileCache;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * {@code profile.changed}: every write publishes it, and every instance consumes it (each in its
 * own consumer group, see application.properties) to drop what its cache holds for the user.
 *
 * <p>A write publishes <em>before</em> its transaction commits and fails if the broker does not
 * acknowledge: no committed write is ever without its event. An event whose write then fails to
 * commit only costs a cache miss, since an invalidation of something that did not change is harmless.
 */
@ApplicationScoped
public class ProfileEvents {

    private static final String SOURCE = "/profile-service";

    private final MutinyEmitter<String> emitter;
    private final ProfileCache cache;
    private final EventConsumer consumer;
    private final MeterRegistry registry;
    private final Duration timeout;

    @Inject
    public ProfileEvents(@Channel("profile-changed-out") MutinyEmitter<String> emitter, ProfileCache cache, EventConsumer consumer,
            MeterRegistry registry, ProfileSettings settings) {
        this.emitter = emitter;
        this.cache = cache;
        this.consumer = consumer;
        this.registry = registry;
        this.timeout = settings.publishTimeout();
    }

    /** Publishes the change with acks=all; a broker that does not answer in time is a 503 (and the write rolls back). */
    public Uni<Void> publish(String userId, String change, long version) {
        EventEnvelope event = EventEnvelope.create(EventTypes.PROFILE_CHANGED, SOURCE, userId,
                new EventData.ProfileChanged(change, version).toJson());
        Message<String> message = EventRecords.of(event);
        return Uni.createFrom().deferred(() -> emitter.sendMessage(message))
                .ifNoItem().after(timeout).fail()
                .onItem().invoke(() -> registry.counter("scalemesh.events.published", "service", "profile-service",
                        "topic", Topics.PROFILE_CHANGED).increment())
                .onFailure().transform(cause -> new ProblemException(
                        Problem.unavailable("the event broker did not acknowledge the change in time; nothing was written, retry later"),
                        Map.of("Retry-After", "5")));
    }

    /** What one profile.changed says: the user's cached document is outdated below this version. */
    private record Outdated(String eventId, String userId, long version) {
    }

    /**
     * Every instance, a poll's batch at a time: each user's cached document is outdated up to the
     * newest version the batch names for them, one invalidation per user (sent together).
     */
    @Incoming("profile-changed")
    public Uni<Void> onChanged(ConsumerRecords<String, String> records, IncomingKafkaRecordBatchMetadata<String, String> batch) {
        return consumer.handleBatch("profile-cache", Topics.PROFILE_CHANGED, batch, EventConsumer.BatchEffect.of(
                event -> Optional.of(new Outdated(event.id(), event.subject(), EventCodec.profileChanged(event).version())),
                changes -> {
                    Map<String, Long> newest = new LinkedHashMap<>();
                    changes.forEach(change -> newest.merge(change.userId(), change.version(), Math::max));
                    return Uni.join().all(newest.entrySet().stream()
                                    .map(user -> cache.invalidate(user.getKey(), user.getValue(), "event")).toList())
                            .andFailFast()
                            .map(done -> changes.stream().map(Outdated::eventId).collect(Collectors.toSet()));
                }));
    }
}
