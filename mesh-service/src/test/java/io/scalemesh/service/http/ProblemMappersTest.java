package io.scalemesh.service.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;

import org.junit.jupiter.api.Test;

import io.vertx.pgclient.PgException;

/** Which failures are a dependency's outage (503 + Retry-After) rather than a bug (500). */
class ProblemMappersTest {

    @Test
    void outagesAnywhereInTheCauseChainAreUnavailable() {
        assertTrue(ProblemMappers.dependencyUnavailable(new IllegalStateException("query failed", new ConnectException("Connection refused"))));
        assertTrue(ProblemMappers.dependencyUnavailable(new java.net.SocketException("Connection reset")));
        assertTrue(ProblemMappers.dependencyUnavailable(new io.smallrye.mutiny.TimeoutException()));
        assertTrue(ProblemMappers.dependencyUnavailable(new PgException("terminating connection due to administrator command", "FATAL", "57P01", null)));
        assertTrue(ProblemMappers.dependencyUnavailable(new PgException("the database system is starting up", "FATAL", "57P03", null)));
        assertTrue(ProblemMappers.dependencyUnavailable(new PgException("connection failure", "FATAL", "08006", null)));
    }

    @Test
    void bugsAndRefusedDataAreNot() {
        assertFalse(ProblemMappers.dependencyUnavailable(new IllegalStateException("a bug")));
        assertFalse(ProblemMappers.dependencyUnavailable(new PgException("duplicate key value", "ERROR", "23505", null)));
        assertFalse(ProblemMappers.dependencyUnavailable(new PgException("syntax error", "ERROR", "42601", null)));
    }
}
