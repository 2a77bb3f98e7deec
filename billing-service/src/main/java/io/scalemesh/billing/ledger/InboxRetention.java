package io.scalemesh.billing.ledger;

import java.time.Duration;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.StartupEvent;
import io.scalemesh.events.consumer.PgInbox;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Keeps the inbox to its retention. The schema is Flyway's, migrated before start (db/inbox, db/billing). */
@ApplicationScoped
public class InboxRetention {

    @ConfigProperty(name = "mesh.consumer.inbox.retention")
    Duration inboxRetention;

    @ConfigProperty(name = "mesh.consumer.inbox.purge-every")
    Duration inboxPurgeEvery;

    void purgeEvery(@Observes StartupEvent startup, Pool pool, Vertx vertx) {
        PgInbox.purgeEvery(vertx, pool, inboxRetention, inboxPurgeEvery);
    }
}
