package io.scalemesh.devstack;

import java.util.List;
import java.util.OptionalLong;

/** One piece of infrastructure the devstack runs as its own process (Kafka, a PostgreSQL server, Redis). */
public interface Component {

    /** Stable name used by {@code ./mesh status} and by tests: kafka, postgres-0, postgres-0-replica, redis. */
    String name();

    /** The ports it listens on, each with the setting that changes it. */
    List<PortSetting> ports();

    /** Starts it and returns once it serves requests. Only called when it is not running. */
    void start();

    /** What must be running before this starts (a replica's primary); the rest start side by side. */
    default java.util.Optional<Component> after() {
        return java.util.Optional.empty();
    }

    /** Stops it gracefully. Only called when it is running. */
    void stop();

    /** SIGKILL, as a crash would: for fault tests. */
    default void kill() {
        pid().ifPresent(Processes::kill);
    }

    /** SIGSTOP or SIGCONT: frozen, it keeps its connections open and answers nothing (fault drills). */
    default void freeze(boolean frozen) {
        pid().ifPresent(pid -> Processes.freeze(pid, frozen));
    }

    /** The process id while it runs (and is the process this devstack started). */
    OptionalLong pid();

    default boolean running() {
        return pid().isPresent();
    }

    record PortSetting(int port, String envName) {
    }
}
