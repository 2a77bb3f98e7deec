package io.scalemesh.task.types;

/**
 * Why a run failed. A retryable failure (a dependency out, a time-out) is tried again with
 * exponential backoff up to the attempt limit; a permanent one fails the task at once.
 */
public class TaskFailure extends RuntimeException {

    private final boolean retryable;

    public TaskFailure(String reason, boolean retryable) {
        super(reason, null, false, false);
        this.retryable = retryable;
    }

    public static TaskFailure retryable(String reason) {
        return new TaskFailure(reason, true);
    }

    public static TaskFailure permanent(String reason) {
        return new TaskFailure(reason, false);
    }

    public boolean retryable() {
        return retryable;
    }
}
