package io.scalemesh.profile;

import java.util.List;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.scalemesh.devstack.DevStackResource;
import io.scalemesh.devstack.ServiceContract;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class HealthTest extends ServiceContract {

    @Override
    protected List<String> dependencies() {
        return List.of("kafka", "redis", "postgres-0");
    }
}
