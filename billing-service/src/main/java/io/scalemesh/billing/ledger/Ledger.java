package io.scalemesh.billing.ledger;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The PostgreSQL ledger. {@code event_id} is unique: even if the inbox were bypassed, an event can
 * be charged at most once.
 */
@ApplicationScoped
public class Ledger {

    @Inject
    Pool pool;

    /** Inside the inbox's transaction: the charge commits with the event's inbox row or not at all. */
    public Uni<Void> charge(SqlConnection tx, LedgerLine line) {
        return tx.preparedQuery("INSERT INTO ledger (event_id, user_id, kind, amount_minor, currency, period, occurred_at)"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .execute(Tuple.tuple(List.of(line.eventId(), line.userId(), line.kind(), line.amountMinor(), line.currency(),
                        line.period(), line.occurredAt().atOffset(ZoneOffset.UTC))))
                .replaceWithVoid();
    }

    public Uni<List<LedgerLine>> lines(String userId, String period) {
        return pool.preparedQuery("SELECT event_id, user_id, kind, amount_minor, currency, period, occurred_at FROM ledger"
                        + " WHERE user_id = $1 AND period = $2 ORDER BY occurred_at, id")
                .execute(Tuple.of(userId, period))
                .map(rows -> {
                    List<LedgerLine> lines = new ArrayList<>();
                    for (Row row : rows) {
                        lines.add(new LedgerLine(row.getString("event_id"), row.getString("user_id"), row.getString("kind"),
                                row.getLong("amount_minor"), row.getString("currency"), row.getString("period"),
                                row.getOffsetDateTime("occurred_at").toInstant()));
                    }
                    return lines;
                });
    }
}
