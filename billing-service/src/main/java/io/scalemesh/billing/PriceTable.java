package io.scalemesh.billing;

import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

/**
 * What each billable event costs, from configuration: integer minor units (cents) in one currency,
 * never floating-point money. Keys are {@code action.<name>} for user actions and
 * {@code task.<type>} for tasks that completed successfully; anything else is free.
 */
@ConfigMapping(prefix = "billing")
public interface PriceTable {

    /** ISO 4217 code of every price and invoice, e.g. EUR. */
    String currency();

    @WithName("prices")
    Map<String, Long> pricesInMinorUnits();

    default Optional<Long> priceOf(String kind) {
        return Optional.ofNullable(pricesInMinorUnits().get(kind));
    }
}
