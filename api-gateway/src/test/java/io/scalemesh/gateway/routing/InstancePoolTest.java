package io.scalemesh.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class InstancePoolTest {

    private static final Duration OPEN_FOR = Duration.ofMillis(200);

    @Test
    void roundRobinTakesTurns() {
        InstancePool pool = new InstancePool(List.of("h:1", "h:2", "h:3"), InstancePool.Policy.ROUND_ROBIN, 3, OPEN_FOR);
        assertEquals("h:1", pool.plan().order().get(0).address);
        assertEquals("h:2", pool.plan().order().get(0).address);
        assertEquals("h:3", pool.plan().order().get(0).address);
        assertEquals(List.of("h:1", "h:2", "h:3"), pool.plan().order().stream().map(i -> i.address).toList());
    }

    @Test
    void aBreakerOpensAfterTheThresholdThenLetsOneTrialThrough() throws InterruptedException {
        InstancePool pool = new InstancePool(List.of("h:1", "h:2"), InstancePool.Policy.ROUND_ROBIN, 3, OPEN_FOR);
        InstancePool.Instance bad = pool.instances().get(0);
        for (int i = 0; i < 2; i++) {
            assertTrue(pool.acquire(bad));
            assertFalse(pool.failed(bad), "two failures do not open it");
        }
        assertTrue(pool.acquire(bad));
        assertTrue(pool.failed(bad), "the third in a row does");
        for (int i = 0; i < 5; i++) {
            assertEquals(List.of("h:2"), pool.plan().order().stream().map(x -> x.address).toList(), "open: skipped");
        }
        Thread.sleep(OPEN_FOR.toMillis() + 50);
        assertTrue(pool.plan().order().contains(bad), "half-open: planned again");
        assertTrue(pool.acquire(bad), "one trial request");
        assertFalse(pool.acquire(bad), "and only one at a time");
        pool.failed(bad);
        assertFalse(pool.plan().order().contains(bad), "the trial failed: open again");
        Thread.sleep(OPEN_FOR.toMillis() + 50);
        assertTrue(pool.acquire(bad));
        pool.succeeded(bad, 1_000_000);
        assertTrue(pool.acquire(bad) && pool.acquire(bad), "the trial succeeded: closed, no limit");
    }

    @Test
    void everyInstanceOpenMeansComeBackWhenTheFirstHalfOpens() {
        InstancePool pool = new InstancePool(List.of("h:1"), InstancePool.Policy.ROUND_ROBIN, 1, Duration.ofSeconds(3));
        InstancePool.Instance only = pool.instances().get(0);
        pool.acquire(only);
        pool.failed(only);
        InstancePool.Plan plan = pool.plan();
        assertTrue(plan.order().isEmpty());
        assertEquals(3, plan.retryAfterSeconds());
    }

    @Test
    void aNewlyDiscoveredSetKeepsWhatIsKnownOfEachInstance() {
        InstancePool pool = new InstancePool(List.of("10.0.0.1:8081", "10.0.0.2:8081"), InstancePool.Policy.ROUND_ROBIN, 1, OPEN_FOR);
        InstancePool.Instance gone = pool.instances().get(0);
        InstancePool.Instance stays = pool.instances().get(1);
        pool.acquire(stays);
        pool.failed(stays);
        pool.replace(List.of("10.0.0.2:8081", "10.0.0.3:8081"));
        assertEquals(List.of("10.0.0.2:8081", "10.0.0.3:8081"), pool.instances().stream().map(i -> i.address).toList());
        assertTrue(pool.instances().get(0) == stays, "the same instance, its breaker still open");
        assertEquals(List.of("10.0.0.3:8081"), pool.plan().order().stream().map(i -> i.address).toList());
        assertFalse(pool.instances().contains(gone));
    }

    @Test
    void dnsEntriesResolveToEveryAddressAndFixedOnesStay() {
        List<String> found = InstanceDiscovery.resolve(List.of("dns:localhost:8081", "10.1.2.3:9000"));
        assertTrue(found.contains("127.0.0.1:8081"), found.toString());
        assertTrue(found.contains("10.1.2.3:9000"), found.toString());
        assertEquals(List.of(), InstanceDiscovery.resolve(List.of("dns:no-such-host.invalid:80")));
        InstancePool.Instance v6 = new InstancePool.Instance("[::1]:8081");
        assertEquals("::1", v6.host);
        assertEquals(8081, v6.port);
    }

    @Test
    void leastResponseTimePrefersTheFasterAndTheLessLoaded() {
        InstancePool pool = new InstancePool(List.of("slow:1", "fast:2"), InstancePool.Policy.LEAST_RESPONSE_TIME, 3, OPEN_FOR);
        InstancePool.Instance slow = pool.instances().get(0);
        InstancePool.Instance fast = pool.instances().get(1);
        pool.acquire(slow);
        pool.succeeded(slow, 50_000_000);
        pool.acquire(fast);
        pool.succeeded(fast, 2_000_000);
        for (int i = 0; i < 10; i++) {
            assertEquals("fast:2", pool.plan().order().get(0).address, "every plan starts with the faster");
        }
        for (int i = 0; i < 30; i++) {
            pool.acquire(fast); // thirty requests in flight on it: 2 ms × 31 > 50 ms × 1
        }
        assertEquals("slow:1", pool.plan().order().get(0).address, "a backed-up instance yields");
    }
}
