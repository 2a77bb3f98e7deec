package io.scalemesh.task.store;

import java.time.Duration;
import java.util.List;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.scalemesh.events.pg.SchemaMigrator;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Brings the task database to the current schema before the API, the relay and the workers start. */
@ApplicationScoped
public class TaskSchema {

    private static final Logger LOG = Logger.getLogger(TaskSchema.class);

    void migrate(@Observes @Priority(1) StartupEvent startup, Pool pool) {
        int applied = SchemaMigrator.migrate(pool, List.of(
                        SchemaMigrator.Migration.resource("task", 1, "tasks and outbox", "db/task/V1__tasks.sql"),
                        SchemaMigrator.Migration.resource("task", 2, "dead letters through the outbox", "db/task/V2__outbox_dead_letters.sql"),
                        SchemaMigrator.Migration.resource("task", 3, "queue depth kept by triggers", "db/task/V3__queue_depth_counter.sql"),
                        SchemaMigrator.Migration.resource("task", 4, "outbox rows relayed by their writer", "db/task/V4__outbox_relayed_by_its_writer.sql"),
                        SchemaMigrator.Migration.resource("task", 5, "input kept as the text sent", "db/task/V5__input_as_json_text.sql"),
                        SchemaMigrator.Migration.resource("task", 6, "outbox vacuumed as a queue", "db/task/V6__outbox_vacuumed_as_a_queue.sql")))
                .await().atMost(Duration.ofSeconds(60));
        LOG.infof("task schema up to date (%d migrations applied now)", applied);
    }
}
