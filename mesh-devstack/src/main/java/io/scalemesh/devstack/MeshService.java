package io.scalemesh.devstack;

import java.nio.file.Path;

/** The mesh's six services, in the order {@code ./mesh up} starts them (backends before the gateway). */
public enum MeshService {
    PROFILE("profile-service", 8081),
    TASK("task-service", 8082),
    NOTIFICATION("notification-service", 8083),
    ANALYTICS("analytics-service", 8084),
    BILLING("billing-service", 8085),
    API_GATEWAY("api-gateway", 8080);

    private final String id;
    private final int devPort;

    MeshService(String id, int devPort) {
        this.id = id;
        this.devPort = devPort;
    }

    public String id() {
        return id;
    }

    /** Instance i listens on the base port + 10*i (8081, 8091, ... for profile-service). */
    public int port(StackSettings settings, int instance) {
        return settings.servicePort(id, devPort) + 10 * instance;
    }

    public Path runnerJar(StackSettings settings) {
        return settings.root().resolve(id).resolve("target/quarkus-app/quarkus-run.jar");
    }

    public static MeshService of(String id) {
        for (MeshService service : values()) {
            if (service.id.equals(id)) {
                return service;
            }
        }
        throw new IllegalArgumentException("unknown service '" + id + "'; the services are "
                + java.util.Arrays.stream(values()).map(MeshService::id).toList());
    }
}
