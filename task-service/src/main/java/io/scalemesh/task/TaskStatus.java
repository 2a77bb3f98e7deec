package io.scalemesh.task;

import java.util.Set;

/** A task's life: QUEUED → RUNNING → SUCCEEDED | FAILED; QUEUED → CANCELLED. */
public enum TaskStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public static final Set<TaskStatus> OPEN = Set.of(QUEUED, RUNNING);

    public boolean finished() {
        return !OPEN.contains(this);
    }
}
