package io.scalemesh.profile;

import java.util.List;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.scalemesh.profile.health.CacheReadiness;
import io.scalemesh.profile.health.ShardServersReadiness;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.ServiceContract;

/** Readiness needs Kafka and every shard server's primary; Redis is reported but optional (see ProfileCacheTest). */
@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class HealthTest extends ServiceContract {

    @Override
    protected List<String> dependencies() {
        return List.of("kafka", "postgres-0", "postgres-1");
    }

    @Override
    protected String checkFor(String dependency) {
        return dependency.startsWith("postgres-") ? ShardServersReadiness.NAME : super.checkFor(dependency);
    }

    @Override
    protected List<String> informationalChecks() {
        return List.of(CacheReadiness.NAME);
    }
}
