package io.scalemesh.events;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Event ids are UUIDv7 (RFC 9562): unique like v4 but time-ordered, so the inbox and ledger
 * indexes they key stay append-mostly instead of taking random inserts. Within one process they
 * are also strictly increasing (RFC 9562 §6.2, method 1: a counter in rand_a), so ids made in the
 * same millisecond still sort in the order they were made; notification pages rely on that.
 */
public final class EventIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int COUNTER_MAX = 0xFFF;

    private static long lastMillis = -1;
    private static int counter;

    private EventIds() {
    }

    public static String next() {
        long millis;
        int sequence;
        synchronized (EventIds.class) {
            long now = System.currentTimeMillis();
            if (now > lastMillis) {
                lastMillis = now;
                // Start low in the counter's range, leaving room for the rest of this millisecond.
                counter = RANDOM.nextInt(1 << 9);
            } else if (++counter > COUNTER_MAX) {
                lastMillis++; // counter exhausted (or clock stepped back): borrow the next millisecond
                counter = 0;
            }
            millis = lastMillis;
            sequence = counter;
        }
        long msb = (millis << 16) | (0x7L << 12) | sequence;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /**
     * The same id for the same name, always: a UUIDv8 (RFC 9562 §5.8) from the name's SHA-256. A
     * request retried with its Idempotency-Key publishes the id of the first attempt, so every
     * consumer's inbox sees the retry as the duplicate it is, even when the first attempt's 503
     * was ambiguous (a broker that timed out can still append the record).
     */
    public static String named(String name) {
        byte[] hash;
        try {
            hash = java.security.MessageDigest.getInstance("SHA-256").digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long msb = java.nio.ByteBuffer.wrap(hash, 0, 8).getLong();
        long lsb = java.nio.ByteBuffer.wrap(hash, 8, 8).getLong();
        msb = (msb & ~0xF000L) | 0x8000L; // version 8
        lsb = (lsb & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // the RFC's variant
        return new UUID(msb, lsb).toString();
    }
}
