package io.scalemesh.bench.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.scalemesh.bench.ConsumerState;
import io.scalemesh.devstack.JwtKeys;

/**
 * What the consumers applied for one drill's users, once they have caught up: each purchase's
 * effect with when it was applied (epoch ms), also of purchases applied without a 202; analytics'
 * total count, which reveals a purchase counted twice; the tasks that succeeded, and their charges
 * and notifications.
 */
record Effects(Map<String, Long> notifications, Map<String, Long> purchaseCharges, Map<String, Long> analyticsMarkers,
        long analyticsCounted, Map<String, Long> tasksSucceeded, long taskCharges, long taskNotifications, boolean caughtUp) {

    /**
     * Polls the consumers' state until every accepted purchase and task has its effects, or until
     * nothing has moved for {@code stall}; what is missing then is lost.
     */
    static Effects await(ConsumerState state, String gateway, JwtKeys keys, String run, ChaosLoad load, Duration stall,
            Consumer<String> progress) throws Exception {
        int tasks = load.tasks.size();
        String users = "LIKE '" + run + "-%'";
        String epochMs = "(extract(epoch FROM %s) * 1000)::bigint";
        long last = -1;
        long lastProgress = System.nanoTime();
        boolean caughtUp = false;
        while (System.nanoTime() - lastProgress < stall.toNanos()) {
            // Each accepted purchase by its id, in each consumer: counts alone were met by purchases
            // applied without a 202 while accepted ones were still missing.
            java.util.Set<String> notified = state.pgTimes("notification", "SELECT event_id, 0 FROM notifications"
                    + " WHERE kind = 'action.purchase' AND user_id " + users).keySet();
            java.util.Set<String> charged = state.pgTimes("billing", "SELECT event_id, 0 FROM ledger WHERE kind = 'action.purchase'"
                    + " AND user_id " + users).keySet();
            java.util.Set<String> counted = state.analyticsMarkers(List.copyOf(load.actions.keySet())).keySet();
            long missing = load.actions.keySet().stream().filter(id -> !notified.contains(id)).count()
                    + load.actions.keySet().stream().filter(id -> !charged.contains(id)).count()
                    + load.actions.keySet().stream().filter(id -> !counted.contains(id)).count();
            long open = state.count("task", "SELECT count(*) FROM tasks WHERE owner " + users + " AND status IN ('QUEUED', 'RUNNING')");
            long taskCharges = state.count("billing", "SELECT count(*) FROM ledger WHERE kind = 'task.sum' AND user_id " + users);
            long taskNotes = state.count("notification", "SELECT count(*) FROM notifications WHERE kind = 'task.succeeded' AND user_id " + users);
            long tasksShort = open + Math.max(0, tasks - taskCharges) + Math.max(0, tasks - taskNotes);
            if (missing == 0 && tasksShort == 0) {
                caughtUp = true;
                break;
            }
            if (missing + tasksShort != last) {
                last = missing + tasksShort;
                lastProgress = System.nanoTime();
                progress.accept("effects still missing: " + missing + " of the accepted purchases' (3 consumers), " + open
                        + " tasks open, " + Math.max(0, tasks - taskCharges) + " task charges, " + Math.max(0, tasks - taskNotes)
                        + " task notifications");
            }
            Thread.sleep(500);
        }
        if (!caughtUp) {
            progress.accept("the consumers made no progress for " + stall.toSeconds() + " s; what is missing counts as lost");
        }
        Map<String, Long> notifications = state.pgTimes("notification", "SELECT event_id, " + epochMs.formatted("created_at")
                + " FROM notifications WHERE kind = 'action.purchase' AND user_id " + users);
        Map<String, Long> charges = state.pgTimes("billing", "SELECT event_id, " + epochMs.formatted("charged_at")
                + " FROM ledger WHERE kind = 'action.purchase' AND user_id " + users);
        // Purchases applied without a 202: their ids are known from the rows, so analytics' markers can be read for them too.
        java.util.Set<String> applied = new java.util.HashSet<>(notifications.keySet());
        applied.addAll(charges.keySet());
        applied.addAll(load.actions.keySet());
        return new Effects(notifications, charges, state.analyticsMarkers(List.copyOf(applied)),
                sum(state.analyticsCounts(gateway, keys, load.users(), "action.purchase")),
                state.pgTimes("task", "SELECT id, " + epochMs.formatted("finished_at") + " FROM tasks WHERE status = 'SUCCEEDED' AND owner " + users),
                state.count("billing", "SELECT count(*) FROM ledger WHERE kind = 'task.sum' AND user_id " + users),
                state.count("notification", "SELECT count(*) FROM notifications WHERE kind = 'task.succeeded' AND user_id " + users),
                caughtUp);
    }

    private static long sum(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
