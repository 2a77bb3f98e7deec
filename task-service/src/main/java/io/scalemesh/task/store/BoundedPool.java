package io.scalemesh.task.store;

import java.util.List;


import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.scalemesh.task.TaskSettings;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnectOptions;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The datasource's pool with a bounded wait queue: past {@code mesh.task.db.max-wait-queue-size}
 * queries waiting for a connection, a query fails at once (answered 503 + Retry-After by
 * ProblemMappers) instead of queueing until the heap is gone. Quarkus has no setting for it.
 */
@Singleton
public class BoundedPool implements PgPoolCreator {

    @Inject
    TaskSettings settings;


    @Override
    public Pool create(Input input) {
        return PgBuilder.pool()
                .with(input.poolOptions().setMaxWaitQueueSize(settings.db().maxWaitQueueSize()))
                .connectingTo(List.<SqlConnectOptions>copyOf(input.pgConnectOptionsList()))
                .using(input.vertx())
                .build();
    }
}
