package io.scalemesh.notification.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.StartupEvent;
import io.scalemesh.events.consumer.PgInbox;
import io.scalemesh.events.pg.SchemaMigrator;
import io.scalemesh.notification.Notification;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Notifications in PostgreSQL; every insert also NOTIFYs, delivered to listeners on commit. */
@ApplicationScoped
public class NotificationStore {

    /** The LISTEN/NOTIFY channel every instance's live stream listens on. */
    public static final String CHANNEL = "notifications";

    private static final Logger LOG = Logger.getLogger(NotificationStore.class);

    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    void migrate(@Observes @Priority(1) StartupEvent startup) {
        int applied = SchemaMigrator.migrate(pool, List.of(PgInbox.MIGRATION,
                        SchemaMigrator.Migration.resource("notification", 1, "notifications", "db/notification/V1__notifications.sql")))
                .await().atMost(Duration.ofSeconds(60));
        LOG.infof("notification schema up to date (%d migrations applied now)", applied);
    }

    /** Inside the inbox's transaction. */
    public Uni<Void> insert(SqlConnection tx, Notification n) {
        String payload;
        try {
            payload = json.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return tx.preparedQuery("INSERT INTO notifications (id, user_id, kind, message, event_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .execute(Tuple.tuple(List.of(UUID.fromString(n.id()), n.userId(), n.kind(), n.message(), n.eventId(),
                        n.createdAt().atOffset(java.time.ZoneOffset.UTC))))
                .chain(() -> tx.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(CHANNEL, payload)))
                .replaceWithVoid();
    }

    /** Newest first; {@code before} is the id of the last item of the previous page (keyset pagination). */
    public Uni<List<Notification>> page(String userId, String before, int limit) {
        String sql = "SELECT id, user_id, kind, message, event_id, created_at FROM notifications WHERE user_id = $1"
                + (before == null ? "" : " AND id < $3") + " ORDER BY id DESC LIMIT $2";
        Tuple args = before == null ? Tuple.of(userId, limit) : Tuple.of(userId, limit, UUID.fromString(before));
        return pool.preparedQuery(sql).execute(args).map(rows -> {
            List<Notification> page = new ArrayList<>();
            for (Row row : rows) {
                page.add(new Notification(row.getUUID("id").toString(), row.getString("user_id"), row.getString("kind"),
                        row.getString("message"), row.getString("event_id"), row.getOffsetDateTime("created_at").toInstant()));
            }
            return page;
        });
    }
}
