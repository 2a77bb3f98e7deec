package io.scalemesh.events;

/**
 * The mesh's Kafka topics. Key = userId everywhere, so one user's events stay in order on one
 * partition. The devstack and the Helm chart create exactly these, each with a {@code .dlq}.
 */
public final class Topics {

    public static final String USER_ACTIONS = "user-actions";
    public static final String PROFILE_CHANGED = "profile.changed";
    public static final String TASK_REQUESTED = "task.requested";
    public static final String TASK_COMPLETED = "task.completed";

    private Topics() {
    }

    /** Where a topic's poison messages go after bounded retries. */
    public static String dlq(String topic) {
        return topic + ".dlq";
    }
}
