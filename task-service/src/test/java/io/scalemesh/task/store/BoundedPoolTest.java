package io.scalemesh.task.store;

import static io.scalemesh.task.Tasks.as;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
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
        try {
            for (int i = 0; i < maxSize; i++) {
                held.add(pool.getConnection().await().atMost(WAIT));
            }
            for (int i = 0; i < maxWaitQueueSize + 50; i++) {
                queued.add(pool.query("SELECT 1").execute().map(rows -> rows.size()).subscribeAsCompletionStage());
            }
            // Refusals come at once, on the event loop: wait for them, never for a query to run.
            Awaitility.await().atMost(WAIT).until(() -> queued.stream().filter(CompletableFuture::isCompletedExceptionally).count() >= 50);
            assertTrue(queued.stream().noneMatch(query -> query.isDone() && !query.isCompletedExceptionally()),
                    "nothing ran while every connection was held");

            as("pool-" + UUID.randomUUID()).get("/api/v1/tasks/" + UUID.randomUUID()).then()
                    .statusCode(503).header("Retry-After", "2").contentType("application/problem+json");
        } finally {
            held.forEach(connection -> connection.close().await().atMost(WAIT));
        }
        long refused = 0;
        for (CompletableFuture<Integer> query : queued) {
            Throwable failure = query.handle((rows, e) -> e).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
            if (failure != null) {
                assertTrue(failure instanceof ConnectionPoolTooBusyException, failure.toString());
                refused++;
            }
        }
        assertTrue(refused >= 50 && refused < queued.size(), refused + " refused: those past the queue, and only those");
        // The rest waited in the queue, and ran once connections were free.
        assertTrue(queued.stream().filter(query -> !query.isCompletedExceptionally()).allMatch(query -> query.join() == 1));
    }
}
