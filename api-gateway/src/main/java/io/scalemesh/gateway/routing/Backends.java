package io.scalemesh.gateway.routing;

import java.util.List;
import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Where the backends are: for each route prefix, the service's instances as host:port. Locally
 * {@code ./mesh up} sets {@code MESH_INSTANCES_<SERVICE>}; in Kubernetes it is the Service name.
 */
@ConfigMapping(prefix = "mesh.routes")
public interface Backends {

    /** Route name (the first path segment after /api/v1/) → backend. */
    Map<String, Route> route();

    interface Route {
        /** host:port of each instance, comma-separated. */
        List<String> instances();

        /** Only the admin role may use this route. */
        @WithDefault("false")
        boolean adminOnly();
    }
}
