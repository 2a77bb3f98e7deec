package io.scalemesh.billing.ledger;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.scalemesh.events.consumer.PgInbox;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The PostgreSQL ledger. {@code event_id} is unique: even if the inbox were bypassed, an event can
 * be charged at most once.
 */
@ApplicationScoped
public class Ledger {

    /** The effect after the inbox's {@code fresh} CTE: the lines of the new ids, once per event id. */
    private static final String CHARGE_ONCE = ", charged AS (INSERT INTO ledger"
            + " (event_id, user_id, kind, amount_minor, currency, period, occurred_at)"
            + " SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::timestamptz[])"
            + " AS l (event_id, user_id, kind, amount_minor, currency, period, occurred_at)"
            + " WHERE event_id IN (SELECT event_id FROM fresh) ON CONFLICT (event_id) DO NOTHING RETURNING event_id)"
            + " SELECT event_id FROM charged";

    @Inject
    Pool pool;

    /**
     * Charges the lines of events not seen before, in the inbox's one statement; answers the ids of
     * the events charged now. The unique event_id keeps an event from being charged twice even after
     * the inbox forgot its id.
     */
    public Uni<Set<String>> chargeOnce(PgInbox inbox, List<LedgerLine> batch) {
        int n = batch.size();
        String[] events = new String[n];
        String[] users = new String[n];
        String[] kinds = new String[n];
        Long[] amounts = new Long[n];
        String[] currencies = new String[n];
        String[] periods = new String[n];
        OffsetDateTime[] occurred = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            LedgerLine line = batch.get(i);
            events[i] = line.eventId();
            users[i] = line.userId();
            kinds[i] = line.kind();
            amounts[i] = line.amountMinor();
            currencies[i] = line.currency();
            periods[i] = line.period();
            occurred[i] = line.occurredAt().atOffset(ZoneOffset.UTC);
        }
        return inbox.onceEach(List.of(events), CHARGE_ONCE, List.of(events, users, kinds, amounts, currencies, periods, occurred));
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
