package io.scalemesh.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;

import org.junit.jupiter.api.Test;

class EventIdsTest {

    @Test
    void aNamedIdIsTheSameForTheSameNameOnlyAndAValidUuidV8() {
        String id = EventIds.named("user-actions\nalice\nkey-1\n0");
        assertEquals(id, EventIds.named("user-actions\nalice\nkey-1\n0"));
        assertNotEquals(id, EventIds.named("user-actions\nalice\nkey-1\n1"));
        assertNotEquals(id, EventIds.named("user-actions\nbob\nkey-1\n0"));
        UUID uuid = UUID.fromString(id);
        assertEquals(8, uuid.version());
        assertEquals(2, uuid.variant());
    }

    @Test
    void nextIdsAreTimeOrderedV7() {
        String a = EventIds.next();
        String b = EventIds.next();
        assertEquals(7, UUID.fromString(a).version());
        assertTrue(a.compareTo(b) < 0, a + " before " + b);
    }
}
