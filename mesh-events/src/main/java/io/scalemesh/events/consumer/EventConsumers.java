package io.scalemesh.events.consumer;

import java.time.Duration;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The service's {@link EventConsumer}: named after the application, retries from configuration. */
@ApplicationScoped
public class EventConsumers {

    @Produces
    @Singleton
    EventConsumer eventConsumer(MeterRegistry registry,
            @ConfigProperty(name = "quarkus.application.name") String service,
            @ConfigProperty(name = "mesh.consumer.max-attempts", defaultValue = "5") int maxAttempts,
            @ConfigProperty(name = "mesh.consumer.first-backoff", defaultValue = "PT0.1S") Duration firstBackoff) {
        return new EventConsumer(service, registry, maxAttempts, firstBackoff);
    }
}
