package io.scalemesh.events.consumer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.scalemesh.events.InvalidEventException;
import io.vertx.pgclient.PgException;

class FailuresTest {

    @Test
    void lostOrRefusedConnectionsAndTimeoutsAreOutages() {
        assertTrue(Failures.isOutage(new ConnectException("Connection refused: /127.0.0.1:5432")));
        assertTrue(Failures.isOutage(new CompletionException(new java.net.SocketException("Connection reset"))));
        assertTrue(Failures.isOutage(new io.smallrye.mutiny.TimeoutException()));
        assertTrue(Failures.isOutage(new IllegalStateException("Connection is closed")));
    }

    @Test
    void postgresSaysWhetherItIsAnOutage() {
        assertTrue(Failures.isOutage(new PgException("terminating connection due to administrator command", "FATAL", "57P01", null)));
        assertTrue(Failures.isOutage(new PgException("the database system is starting up", "FATAL", "57P03", null)));
        assertTrue(Failures.isOutage(new PgException("could not serialize access", "ERROR", "40001", null)));
        assertFalse(Failures.isOutage(new PgException("null value in column violates not-null constraint", "ERROR", "23502", null)));
        assertFalse(Failures.isOutage(new PgException("relation does not exist", "ERROR", "42P01", null)));
    }

    @Test
    void aMessagesOwnFailureIsNot() {
        assertFalse(Failures.isOutage(new InvalidEventException("unknown event type")));
        assertFalse(Failures.isOutage(new ArithmeticException("long overflow")));
        assertFalse(Failures.isOutage(new NullPointerException()));
    }
}
