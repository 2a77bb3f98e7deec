package io.scalemesh.events;

import java.util.Set;

/** CloudEvents {@code type} values. A breaking change to an event's data gets a new version suffix. */
public final class EventTypes {

    public static final String USER_ACTION = "scalemesh.user.action.v1";
    public static final String TASK_REQUESTED = "scalemesh.task.requested.v1";
    public static final String TASK_COMPLETED = "scalemesh.task.completed.v1";
    public static final String PROFILE_CHANGED = "scalemesh.profile.changed.v1";

    public static final Set<String> ALL = Set.of(USER_ACTION, TASK_REQUESTED, TASK_COMPLETED, PROFILE_CHANGED);

    private EventTypes() {
    }
}
