package io.scalemesh.gateway.actions;

import java.time.Duration;
import java.util.Map;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.Topics;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.events.kafka.EventRecords;
import io.scalemesh.gateway.GatewaySettings;
import io.scalemesh.gateway.lab.RecentActions;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Publishes user actions to Kafka and completes only once the broker has acknowledged them
 * (acks=all, idempotent producer): a 202 means the event is durable. A broker that does not answer
 * within the publish timeout yields a 503 with Retry-After, never a 202. That 503 is ambiguous, as
 * any timeout is: a broker that had read the record may still append it (the kafka-restart chaos
 * drill sees most of them applied). A retry with the same Idempotency-Key carries the same
 * event id, so consumers apply it once.
 */
@ApplicationScoped
public class ActionPublisher {

    private final MutinyEmitter<String> emitter;
    private final Duration timeout;
    private final Counter published;
    private final Counter failed;
    private final RecentActions recent;

    @Inject
    public ActionPublisher(@Channel("user-actions") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384) MutinyEmitter<String> emitter,
            GatewaySettings settings, MeterRegistry registry, RecentActions recent) {
        this.emitter = emitter;
        this.recent = recent;
        this.timeout = settings.publishTimeout();
        this.published = registry.counter("scalemesh.events.published", "service", "api-gateway", "topic", Topics.USER_ACTIONS);
        this.failed = registry.counter("scalemesh.events.publish.failed", "service", "api-gateway", "topic", Topics.USER_ACTIONS);
    }

    public Uni<Void> publish(EventEnvelope event) {
        Message<String> message = EventRecords.of(event);
        return Uni.createFrom().deferred(() -> emitter.sendMessage(message))
                .ifNoItem().after(timeout).fail()
                .onItem().invoke(() -> {
                    published.increment();
                    recent.published(event);
                })
                .onFailure().transform(cause -> {
                    failed.increment();
                    return new ProblemException(Problem.unavailable("the event broker did not acknowledge the event in time; it may still be applied:"
                            + " retry with the same Idempotency-Key to have it applied once"),
                            Map.of("Retry-After", "5"));
                });
    }
}
