package io.scalemesh.task.queue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.scalemesh.events.Topics;
import io.scalemesh.events.kafka.KafkaLogin;
import io.scalemesh.task.TaskSettings;
import io.scalemesh.task.store.TaskStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The queue's depth, for autoscaling and for shedding load. Depth is the number of tasks accepted
 * and not finished, read from the counter PostgreSQL keeps exact (triggers on the tasks table, so
 * all instances see the same number and a read costs the same at any depth) every
 * {@code mesh.task.depth-refresh}; between reads this instance adds what it accepted itself, so
 * it never admits more than the limit on its own. Several API instances together can overshoot by
 * what they accept within one refresh. Consumer lag (messages on {@code task.requested} the
 * workers' group has not committed) comes from Kafka.
 *
 * <p>Gauges: {@code scalemesh_task_queue_depth}, {@code scalemesh_task_consumer_lag}.
 */
@ApplicationScoped
public class QueueDepth {

    @Inject
    TaskSettings settings;

    private static final Logger LOG = Logger.getLogger(QueueDepth.class);

    @Inject
    TaskStore store;

    @Inject
    Vertx vertx;



    @ConfigProperty(name = "mp.messaging.incoming.task-requested.group.id", defaultValue = "task-service")
    String workerGroup;

    private final AtomicLong counted = new AtomicLong();
    private final AtomicLong acceptedSinceCount = new AtomicLong();
    private final AtomicLong lag = new AtomicLong(-1);
    /** Tasks finished per second over the last refresh, for Retry-After. */
    private volatile double drainRate;
    private volatile long lastCountedAt = System.nanoTime();
    private long depthTimer = -1;
    private long lagTimer = -1;
    private Admin admin;

    void start(@Observes StartupEvent startup, MeterRegistry registry) {
        Gauge.builder("scalemesh.task.queue.depth", counted, AtomicLong::get)
                .description("Tasks accepted and not finished (QUEUED or RUNNING), all instances")
                .tags("service", "task-service").register(registry);
        Gauge.builder("scalemesh.task.consumer.lag", lag, AtomicLong::get)
                .description("task.requested messages the workers have not committed yet (-1: unknown)")
                .tags("service", "task-service", "topic", Topics.TASK_REQUESTED).register(registry);
        Map<String, Object> config = KafkaLogin.clientConfig();
        config.putAll(Map.of(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.CLIENT_ID_CONFIG, "task-service-lag"));
        admin = Admin.create(config);
        count();
        depthTimer = vertx.setPeriodic(settings.depthRefresh().toMillis(), ignored -> count());
        lagTimer = vertx.setPeriodic(Math.max(settings.depthRefresh().toMillis(), 5000), ignored -> measureLag());
    }

    void stop(@Observes ShutdownEvent shutdown) {
        vertx.cancelTimer(depthTimer);
        vertx.cancelTimer(lagTimer);
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }

    /** The depth this instance believes: the last count plus what it accepted since. */
    public long depth() {
        return counted.get() + acceptedSinceCount.get();
    }

    public long maxDepth() {
        return settings.maxQueueDepth();
    }

    public boolean full() {
        return depth() >= settings.maxQueueDepth();
    }

    public void accepted() {
        acceptedSinceCount.incrementAndGet();
    }

    /** Seconds until the queue is likely below its limit again, from the recent drain rate (1 to 60). */
    public long retryAfterSeconds() {
        double rate = drainRate;
        long excess = depth() - settings.maxQueueDepth() + 1;
        if (rate <= 0) {
            return 5;
        }
        return Math.max(1, Math.min(60, (long) Math.ceil(excess / rate)));
    }

    private void count() {
        long acceptedBefore = acceptedSinceCount.get();
        long before = counted.get();
        long startedAt = System.nanoTime();
        store.openCount().subscribe().with(now -> {
            // Accepts that raced the count may be counted twice until the next refresh: erring high is the safe side.
            acceptedSinceCount.addAndGet(-acceptedBefore);
            double seconds = Math.max(0.001, (startedAt - lastCountedAt) / 1e9);
            drainRate = Math.max(0, (before + acceptedBefore - now) / seconds);
            lastCountedAt = startedAt;
            counted.set(now);
        }, failure -> LOG.debugf("queue depth not counted this time: %s", failure.toString()));
    }

    private void measureLag() {
        Uni.createFrom().completionStage(() -> admin.listConsumerGroupOffsets(workerGroup,
                        new ListConsumerGroupOffsetsOptions().timeoutMs(3000)).partitionsToOffsetAndMetadata().toCompletionStage())
                .chain(committed -> {
                    Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                            .filter(tp -> tp.topic().equals(Topics.TASK_REQUESTED))
                            .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
                    if (latest.isEmpty()) {
                        return Uni.createFrom().item(0L);
                    }
                    return Uni.createFrom().completionStage(() -> admin.listOffsets(latest, new ListOffsetsOptions().timeoutMs(3000))
                                    .all().toCompletionStage())
                            .map(ends -> ends.entrySet().stream().mapToLong(e -> {
                                OffsetAndMetadata done = committed.get(e.getKey());
                                return Math.max(0, e.getValue().offset() - (done == null ? 0 : done.offset()));
                            }).sum());
                })
                .subscribe().with(lag::set, failure -> lag.set(-1));
    }
}
