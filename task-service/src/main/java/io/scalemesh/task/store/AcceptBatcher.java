package io.scalemesh.task.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;


import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.scalemesh.task.TaskSettings;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Group commit for accepts. Every commit waits for its WAL flush; one commit per accepted task
 * caps the accept rate far below what the database can insert. So accepts queue here and go to
 * the store together: while {@code max-in-flight} batch statements are running, new accepts wait
 * and leave as one batch (up to {@code max-batch}) when a statement returns. Nothing waits on a
 * timer: a lone accept goes out at once, and batches grow only with load ("smart batching").
 *
 * <p>Admission control: beyond {@code max-pending} waiting accepts the request is refused at once
 * ({@link Saturated}, a 503) instead of queueing without bound while the database falls behind.
 */
@ApplicationScoped
public class AcceptBatcher {

    @Inject
    TaskSettings settings;

    /** More accepts are waiting than {@code mesh.task.accept.max-pending}: nothing was stored. */
    public static final class Saturated extends RuntimeException {
        Saturated(int pending) {
            super(pending + " accepts are already waiting for the task store");
        }
    }

    private record Pending(TaskStore.NewRow row, UniEmitter<? super TaskStore.Accepted> emitter) {
    }

    @Inject
    TaskStore store;

    @Inject
    MeterRegistry registry;




    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int inFlight;
    private DistributionSummary batchSizes;

    @PostConstruct
    void registerMetrics() {
        batchSizes = DistributionSummary.builder("scalemesh.task.accept.batch.size")
                .description("Tasks stored per commit (group commit of accepts)").tags("service", "task-service")
                .register(registry);
    }

    /** Stores the task with the next batch; fails with {@link Saturated} when too many wait already. */
    public Uni<TaskStore.Accepted> accept(TaskStore.NewRow row) {
        return Uni.createFrom().emitter(emitter -> {
            boolean start;
            synchronized (this) {
                if (pending.size() >= settings.accept().maxPending()) {
                    emitter.fail(new Saturated(pending.size()));
                    return;
                }
                pending.add(new Pending(row, emitter));
                start = inFlight < settings.accept().maxInFlight();
                if (start) {
                    inFlight++;
                }
            }
            if (start) {
                flush();
            }
        });
    }

    /** Runs with one in-flight slot held: sends what waits, and gives the slot back once nothing does. */
    private void flush() {
        List<Pending> batch = new ArrayList<>();
        synchronized (this) {
            while (batch.size() < settings.accept().maxBatch() && !pending.isEmpty()) {
                batch.add(pending.poll());
            }
            if (batch.isEmpty()) {
                inFlight--;
                return;
            }
        }
        batchSizes.record(batch.size());
        store.acceptAll(batch.stream().map(Pending::row).toList()).subscribe().with(accepted -> {
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).emitter().complete(accepted.get(i));
            }
            flush();
        }, failure -> {
            batch.forEach(p -> p.emitter().fail(failure));
            flush();
        });
    }
}
