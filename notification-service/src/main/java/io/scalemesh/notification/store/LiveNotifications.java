package io.scalemesh.notification.store;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.scalemesh.notification.Notification;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Notifications as they commit, on every instance: each instance LISTENs on the database, so an
 * SSE client connected to instance B sees what instance A stored, never a rolled-back one.
 */
@ApplicationScoped
public class LiveNotifications {

    private static final Logger LOG = Logger.getLogger(LiveNotifications.class);

    @Inject
    Vertx vertx;

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    String user;

    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    private final BroadcastProcessor<Notification> broadcast = BroadcastProcessor.create();
    private PgSubscriber subscriber;

    void listen(@Observes StartupEvent startup) {
        PgConnectOptions options = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", "")).setUser(user).setPassword(password);
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 1_000L);
        subscriber.channel(NotificationStore.CHANNEL).handler(payload -> {
            try {
                broadcast.onNext(json.readValue(payload, Notification.class));
            } catch (Exception e) {
                LOG.warnf("unreadable notification payload: %s", e.getMessage());
            }
        });
        subscriber.connect().subscribe().with(ok -> LOG.info("listening for notifications"),
                failure -> LOG.warnf("cannot LISTEN yet (%s); retrying", failure.getMessage()));
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (subscriber != null) {
            subscriber.closeAndAwait();
        }
    }

    public Multi<Notification> of(String userId) {
        return broadcast.filter(n -> n.userId().equals(userId));
    }
}
