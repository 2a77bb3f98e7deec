package io.scalemesh.bench.chaos;

import java.time.Duration;
import java.util.List;

/**
 * One fault drill: the fault, in steps with a hold after each, then the steps that heal it. While
 * it runs, clients get either only successes ({@code clientsUnaffected}) or successes and the
 * documented refusals (503 or 429 with {@code Retry-After}). {@code probe}, run during the last
 * fault step's hold, checks a guarantee the load cannot see (read-your-writes); it returns what failed.
 * {@code ambiguousRefusals}: the fault makes a 503 ambiguous (a publish timed out at a broker that
 * may still append the record), so a refused purchase may be applied, once, by every consumer.
 */
record Scenario(String name, String fault, String watch, boolean clientsUnaffected, boolean ambiguousRefusals, List<Step> steps, List<Step> heal,
        Probe probe) {

    /** An action on the mesh, then how long the drill waits before the next one. */
    record Step(String label, Action action, Duration hold) {
    }

    interface Action {
        void on(Mesh mesh) throws Exception;
    }

    interface Probe {
        List<String> check(Mesh mesh) throws Exception;

        Probe NONE = mesh -> List.of();
    }
}
