package io.scalemesh.events;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Event ids are UUIDv7 (RFC 9562): unique like v4 but time-ordered, so the inbox and ledger
 * indexes they key stay append-mostly instead of taking random inserts.
 */
public final class EventIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private EventIds() {
    }

    public static String next() {
        long millis = System.currentTimeMillis();
        long randA = RANDOM.nextInt(1 << 12);
        long msb = (millis << 16) | (0x7L << 12) | randA;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
