package io.scalemesh.task.store;

import static io.scalemesh.task.Tasks.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.scalemesh.testing.DevStackResource;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.inject.Inject;

/** With every connection taken and the wait queue full, a query fails at once and a request is answered 503. */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class BoundedPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Pool pool;

    @ConfigProperty(name = "quarkus.datasource.reactive.max-size")
    int maxSize;

    @ConfigProperty(name = "mesh.task.db.max-wait-queue-size")
    int maxWaitQueueSize;

    @Test
    void aFullWaitQueueRefusesAtOnceAndTheQueuedQueriesStillRun() {
        List<SqlConnection> held = new ArrayList<>();
        List<CompletableFuture<Integer>> queued = new ArrayList<>();
        int refused = 0;
        try {
            for (int i = 0; i < maxSize; i++) {
                held.add(pool.getConnection().await().atMost(WAIT));
            }
            for (int i = 0; i < maxWaitQueueSize + 50; i++) {
                queued.add(pool.query("SELECT 1").execute().map(rows -> rows.size()).subscribeAsCompletionStage());
            }
            for (CompletableFuture<Integer> query : queued) {
                if (query.isCompletedExceptionally()) {
                    Throwable cause = query.handle((rows, failure) -> failure).join();
                    assertTrue(cause instanceof ConnectionPoolTooBusyException, cause.toString());
                    refused++;
                }
            }
            assertTrue(refused >= 50, "past the wait queue, queries fail at once: " + refused + " refused");

            as("pool-" + UUID.randomUUID()).get("/api/v1/tasks/" + UUID.randomUUID()).then()
                    .statusCode(503).header("Retry-After", "2").contentType("application/problem+json");
        } finally {
            held.forEach(connection -> connection.close().await().atMost(WAIT));
        }
        long ran = queued.stream().filter(query -> !query.isCompletedExceptionally())
                .map(query -> query.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join()).count();
        assertEquals(queued.size() - refused, ran, "every query that was queued ran once connections were free");
    }
}
