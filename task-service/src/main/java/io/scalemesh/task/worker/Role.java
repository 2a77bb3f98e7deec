package io.scalemesh.task.worker;

import java.util.Locale;

/**
 * What an instance does ({@code mesh.task.role}): accept tasks over HTTP, run them from the queue,
 * or both. The same binary scales as two deployments: API instances with the request rate, workers
 * with the queue.
 */
public enum Role {
    API, WORKER, BOTH;

    public static final String PROPERTY = "mesh.task.role";

    public boolean serves() {
        return this != WORKER;
    }

    public boolean works() {
        return this != API;
    }

    public static Role parse(String value) {
        if (value == null || value.isBlank()) {
            return BOTH;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + " must be api, worker or both, not '" + value + "'");
        }
    }
}
