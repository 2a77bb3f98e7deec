package io.scalemesh.events.consumer;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * Tells an outage of a dependency from a failure of the message. An outage (no connection, a lost
 * connection, a time-out, PostgreSQL saying it cannot serve right now) passes when the dependency
 * returns, so the consumer waits for it; dead-lettering would take every event of the outage out
 * of the stream. Anything else is the message's own failure and gets bounded retries.
 */
public final class Failures {

    private Failures() {
    }

    public static boolean isOutage(Throwable failure) {
        if (failure instanceof DeadLetterException) {
            return false; // the handler's final word, even if its reason mentions a refused connection
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException || t instanceof io.smallrye.mutiny.TimeoutException) {
                return true; // includes ConnectException, SocketException, ClosedChannelException
            }
            String type = t.getClass().getName();
            if (type.endsWith("ClosedConnectionException") || type.endsWith("ConnectTimeoutException")
                    || type.endsWith("ConnectionPoolTooBusyException")) { // a saturated pool drains by itself
                return true;
            }
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("connection refused") || message.contains("connection reset")
                    || message.contains("connection closed") || message.contains("connection is closed")
                    || message.contains("pool is closed") || message.contains("pool closed") // shutting down: the next owner of
                    || message.contains("timeout")) {                                             // the partition redoes it
                return true;
            }
            String sqlState = sqlState(t);
            // 08 connection exception, 53 insufficient resources, 57 operator intervention (e.g. shutdown),
            // 40001 serialization failure, 40P01 deadlock: all pass by themselves.
            if (sqlState != null && (sqlState.startsWith("08") || sqlState.startsWith("53") || sqlState.startsWith("57")
                    || sqlState.equals("40001") || sqlState.equals("40P01"))) {
                return true;
            }
        }
        return false;
    }

    /** PostgreSQL's SQLSTATE, read reflectively so services without the PostgreSQL client load this too. */
    private static String sqlState(Throwable t) {
        if (!t.getClass().getName().equals("io.vertx.pgclient.PgException")) {
            return null;
        }
        try {
            Method getter = t.getClass().getMethod("getSqlState");
            return (String) getter.invoke(t);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
