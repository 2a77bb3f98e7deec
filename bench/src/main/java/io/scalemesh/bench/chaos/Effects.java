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
        int actions = load.actions.size();
        int tasks = load.tasks.size();
        String users = "LIKE '" + run + "-%'";
        long last = -1;
        long lastProgress = System.nanoTime();
        boolean caughtUp = false;
        while (System.nanoTime() - lastProgress < stall.toNanos()) {
            long notified = state.count("notification", "SELECT count(*) FROM notifications WHERE user_id " + users);
            long charged = state.count("billing", "SELECT count(*) FROM ledger WHERE user_id " + users);
            long open = state.count("task", "SELECT count(*) FROM tasks WHERE owner " + users + " AND status IN ('QUEUED', 'RUNNING')");
            long counted = sum(state.analyticsCounts(gateway, keys, load.users(), "action.purchase"));
            if (notified >= actions + tasks && charged >= actions + tasks && counted >= actions && open == 0) {
                caughtUp = true;
                break;
            }
            long seen = notified + charged + counted - open;
            if (seen != last) {
                last = seen;
                lastProgress = System.nanoTime();
                progress.accept("effects so far: " + notified + " notifications, " + counted + " counted, " + charged
                        + " ledger lines (of " + actions + " purchases + " + tasks + " tasks), " + open + " tasks open");
            }
            Thread.sleep(500);
        }
        if (!caughtUp) {
            progress.accept("the consumers made no progress for " + stall.toSeconds() + " s; what is missing counts as lost");
        }
        String epochMs = "(extract(epoch FROM %s) * 1000)::bigint";
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
