package io.scalemesh.billing.ledger;

import java.time.Instant;

/** One charge: an event, what it cost, and the period (YYYY-MM, UTC, of the event's own time) it is billed in. */
public record LedgerLine(String eventId, String userId, String kind, long amountMinor, String currency, String period,
        Instant occurredAt) {
}
