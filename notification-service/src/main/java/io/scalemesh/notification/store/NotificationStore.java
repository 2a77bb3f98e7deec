package io.scalemesh.notification.store;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.StartupEvent;
import io.scalemesh.events.consumer.PgInbox;
import io.scalemesh.notification.Notification;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Notifications in PostgreSQL; every insert also NOTIFYs, delivered to listeners on commit. */
@ApplicationScoped
public class NotificationStore {

    /** The LISTEN/NOTIFY channel every instance's live stream listens on. */
    public static final String CHANNEL = "notifications";

    /** The effect after the inbox's {@code fresh} CTE: the notifications of the new ids, each NOTIFYed. */
    private static final String INSERT_ONCE = ", n AS (SELECT * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],"
            + " $8::timestamptz[], $9::text[]) AS n (id, user_id, kind, message, event_id, created_at, payload)),"
            + " made AS (INSERT INTO notifications (id, user_id, kind, message, event_id, created_at)"
            + " SELECT id, user_id, kind, message, event_id, created_at FROM n WHERE event_id IN (SELECT event_id FROM fresh)"
            + " ON CONFLICT (event_id) DO NOTHING RETURNING event_id)"
            // pg_notify returns void; as text it is a column the client can read, so every row runs it.
            + " SELECT made.event_id, pg_notify($10, n.payload)::text AS notified FROM made JOIN n USING (event_id)";

    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "mesh.consumer.inbox.retention")
    Duration inboxRetention;

    @ConfigProperty(name = "mesh.consumer.inbox.purge-every")
    Duration inboxPurgeEvery;

    /** The schema is Flyway's, migrated before start (db/inbox, db/notification); this keeps the inbox to its retention. */
    void purgeInbox(@Observes StartupEvent startup) {
        PgInbox.purgeEvery(vertx, pool, inboxRetention, inboxPurgeEvery);
    }

    /**
     * Stores the notifications of events not seen before and NOTIFYs each (delivered to listeners on
     * commit), all in the inbox's one statement; answers the ids of the events notified now. The
     * unique event_id keeps an event from notifying twice even after the inbox forgot its id.
     */
    public Uni<Set<String>> insertOnce(PgInbox inbox, List<Notification> batch) {
        int n = batch.size();
        UUID[] ids = new UUID[n];
        String[] users = new String[n];
        String[] kinds = new String[n];
        String[] messages = new String[n];
        String[] events = new String[n];
        OffsetDateTime[] created = new OffsetDateTime[n];
        String[] payloads = new String[n];
        for (int i = 0; i < n; i++) {
            Notification one = batch.get(i);
            ids[i] = UUID.fromString(one.id());
            users[i] = one.userId();
            kinds[i] = one.kind();
            messages[i] = one.message();
            events[i] = one.eventId();
            created[i] = one.createdAt().atOffset(ZoneOffset.UTC);
            try {
                payloads[i] = json.writeValueAsString(one);
            } catch (JsonProcessingException e) {
                return Uni.createFrom().failure(e);
            }
        }
        return inbox.onceEach(List.of(events), INSERT_ONCE, List.of(ids, users, kinds, messages, events, created, payloads, CHANNEL));
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
