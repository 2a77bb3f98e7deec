package io.scalemesh.analytics.counters;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The Redis keys of the counters (all under the service's own prefix {@code analytics:}). Buckets
 * come from the event's own time, so a replayed event lands in the bucket it counted in before.
 */
public final class Buckets {

    public static final String PREFIX = "analytics:";
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);

    private Buckets() {
    }

    /** Counts per kind in one minute (a hash: kind → count). */
    public static String minute(Instant time) {
        return PREFIX + "min:" + MINUTE.format(time);
    }

    /** Counts per kind in one hour: what long ranges read instead of 60 minute hashes. */
    public static String hour(Instant time) {
        return PREFIX + "hour:" + HOUR.format(time);
    }

    /** Distinct users in one hour (a HyperLogLog). */
    public static String uniqueUsers(Instant time) {
        return PREFIX + "uu:" + HOUR.format(time);
    }

    /** Counts per kind of one user, all time (within the retention). */
    public static String user(String userId) {
        return PREFIX + "user:" + userId;
    }

    public static Instant floor(Instant time, Duration size) {
        return size.equals(Duration.ofHours(1)) ? time.truncatedTo(ChronoUnit.HOURS) : time.truncatedTo(ChronoUnit.MINUTES);
    }
}
