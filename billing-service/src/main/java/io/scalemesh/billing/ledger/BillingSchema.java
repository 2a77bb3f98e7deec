package io.scalemesh.billing.ledger;

import java.time.Duration;
import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.scalemesh.events.consumer.PgInbox;
import io.scalemesh.events.pg.SchemaMigrator;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.annotation.Priority;

/** Brings the billing database to the current schema before the consumers start, and keeps the inbox to its retention. */
@ApplicationScoped
public class BillingSchema {

    private static final Logger LOG = Logger.getLogger(BillingSchema.class);

    @ConfigProperty(name = "mesh.consumer.inbox.retention")
    Duration inboxRetention;

    @ConfigProperty(name = "mesh.consumer.inbox.purge-every")
    Duration inboxPurgeEvery;

    void migrate(@Observes @Priority(1) StartupEvent startup, Pool pool, Vertx vertx) {
        int applied = SchemaMigrator.migrate(pool, List.of(PgInbox.MIGRATION,
                        SchemaMigrator.Migration.resource("billing", 1, "ledger", "db/billing/V1__ledger.sql")))
                .await().atMost(Duration.ofSeconds(60));
        LOG.infof("billing schema up to date (%d migrations applied now)", applied);
        PgInbox.purgeEvery(vertx, pool, inboxRetention, inboxPurgeEvery);
    }
}
