package io.scalemesh.task.types;

/**
 * Why a run failed. A retryable failure (a dependency out, a time-out) is tried again with
 * exponential backoff up to the attempt limit; a permanent one fails the task at once.
 *
 * <p>A failed task shows its client the {@link Code}, a stable slug to branch on; the message,
 * which may name hosts, ports and status codes inside the mesh, goes to the log and the DLQ only.
 */
public class TaskFailure extends RuntimeException {

    /** What a client may see of a failure. */
    public enum Code {
        /** A service the task needs did not answer, or answered 5xx; retried first. */
        DEPENDENCY_UNAVAILABLE,
        /** A service the task needs refused its request. */
        DEPENDENCY_REFUSED,
        /** A service the task needs answered something unreadable. */
        DEPENDENCY_INVALID_ANSWER,
        /** No worker knows the task's type (a newer API than this worker). */
        UNKNOWN_TYPE,
        /** Anything else: a fault of the worker itself, logged in full. */
        INTERNAL;

        public String slug() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private final Code code;
    private final boolean retryable;

    public TaskFailure(Code code, String reason, boolean retryable) {
        super(reason, null, false, false);
        this.code = code;
        this.retryable = retryable;
    }

    public static TaskFailure retryable(Code code, String reason) {
        return new TaskFailure(code, reason, true);
    }

    public static TaskFailure permanent(Code code, String reason) {
        return new TaskFailure(code, reason, false);
    }

    public Code code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }
}
