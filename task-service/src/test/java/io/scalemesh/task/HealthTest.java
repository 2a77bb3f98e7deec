package io.scalemesh.task;

import java.util.List;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.scalemesh.testing.DevStackResource;
import io.scalemesh.testing.ServiceContract;

@QuarkusTest
@QuarkusTestResource(DevStackResource.class)
class HealthTest extends ServiceContract {

    @Override
    protected List<String> dependencies() {
        return List.of("kafka", "postgres-0");
    }
}
