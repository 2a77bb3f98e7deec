package io.scalemesh.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.scalemesh.devstack.TestStack;

/**
 * Gives a service's {@code @QuarkusTest}s real Kafka, PostgreSQL and Redis: the JVM's shared
 * {@link TestStack}, not a stack per test class. Use it with
 * {@code @QuarkusTestResource(DevStackResource.class)}.
 */
public class DevStackResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(TestStack.shared().connectionProperties());
        // Real infrastructure is already here; Dev Services would try to start containers.
        config.put("quarkus.devservices.enabled", "false");
        return config;
    }

    @Override
    public void stop() {
        // Shared by every test class of this JVM; TestStack stops it at exit if it started it.
    }
}
