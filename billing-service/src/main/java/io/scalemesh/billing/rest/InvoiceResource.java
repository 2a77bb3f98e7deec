package io.scalemesh.billing.rest;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestQuery;

import io.quarkus.security.Authenticated;
import io.scalemesh.billing.PriceTable;
import io.scalemesh.billing.ledger.Ledger;
import io.scalemesh.billing.ledger.LedgerLine;
import io.scalemesh.service.http.MeshIdentity;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** A user's invoice for one month: every charged line, a summary per kind, and the total. */
@Authenticated
@Path("/api/v1/billing")
@Produces(MediaType.APPLICATION_JSON)
public class InvoiceResource {

    /** The caller, as the internal identity token proves it (MeshIdentity). */
    @Inject
    JsonWebToken callerToken;

    @Inject
    Ledger ledger;

    @Inject
    PriceTable prices;

    public record Line(String eventId, String kind, long amountMinor, Instant occurredAt) {
    }

    public record KindTotal(long count, long amountMinor) {
    }

    public record Invoice(String userId, String period, String currency, List<Line> lines, Map<String, KindTotal> byKind,
            long totalMinor, String total) {
    }

    /** {@code ?period=YYYY-MM} (default: this month, UTC); {@code ?userId=} for admins. */
    @GET
    @Path("/invoice")
    public Uni<Invoice> invoice(@RestQuery String period, @RestQuery String userId) {
        MeshIdentity caller = MeshIdentity.of(callerToken);
        String owner = caller.resolveOwner(userId);
        String month = parsePeriod(period);
        return ledger.lines(owner, month).map(lines -> {
            Map<String, KindTotal> byKind = new TreeMap<>();
            long total = 0;
            for (LedgerLine line : lines) {
                byKind.merge(line.kind(), new KindTotal(1, line.amountMinor()),
                        (a, b) -> new KindTotal(a.count() + b.count(), a.amountMinor() + b.amountMinor()));
                total = Math.addExact(total, line.amountMinor());
            }
            return new Invoice(owner, month, prices.currency(),
                    lines.stream().map(l -> new Line(l.eventId(), l.kind(), l.amountMinor(), l.occurredAt())).toList(),
                    byKind, total, decimal(total));
        });
    }

    private String decimal(long minor) {
        int digits = Currency.getInstance(prices.currency()).getDefaultFractionDigits();
        return BigDecimal.valueOf(minor, Math.max(digits, 0)).toPlainString();
    }

    private static String parsePeriod(String period) {
        if (period == null || period.isBlank()) {
            return YearMonth.now(ZoneOffset.UTC).toString();
        }
        try {
            if (!period.matches("\\d{4}-\\d{2}")) {
                throw new DateTimeParseException("not YYYY-MM", period, 0);
            }
            return YearMonth.parse(period).toString();
        } catch (DateTimeParseException e) {
            throw new ProblemException(Problem.badRequest("period must be a month as YYYY-MM, e.g. 2026-11"));
        }
    }
}
