package io.scalemesh.bench.chaos;

import java.util.Map;
import java.util.function.Consumer;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.StackSettings;

/**
 * The drills' mesh: one gateway, profile-service and task-service (API and worker), a second
 * task-service instance that only works the queue, and two instances of each consumer, so a fault
 * can take one of two and then the only one.
 */
record Mesh(DevStack stack, ServiceInstances services, ServiceInstances workers, Consumer<String> progress) {

    /** Each drill's stack: two of every consumer, and task-service's second instance a worker the gateway does not route to. */
    static final Map<MeshService, Integer> SCALE = Map.of(MeshService.API_GATEWAY, 1, MeshService.PROFILE, 1, MeshService.TASK, 1,
            MeshService.NOTIFICATION, 2, MeshService.ANALYTICS, 2, MeshService.BILLING, 2);

    StackSettings settings() {
        return stack.settings();
    }

    String gateway() {
        return "http://" + StackSettings.HOST + ":" + services.instance(MeshService.API_GATEWAY, 0).port();
    }

    ServiceInstances.Instance instance(MeshService service, int index) {
        return services.instance(service, index);
    }

    /** Starts whatever is not running (infrastructure, then instances) and waits until all of it is ready. */
    void restore() {
        stack.up(progress);
        services.up(SCALE, progress);
        workers.up(Map.of(MeshService.TASK, 2), progress);
    }

    /** Every infrastructure process and every instance runs and answers ready. */
    boolean healthy() {
        if (!stack.allRunning()) {
            return false;
        }
        for (Map.Entry<MeshService, Integer> scale : SCALE.entrySet()) {
            for (int i = 0; i < scale.getValue(); i++) {
                if (!services.ready(services.instance(scale.getKey(), i))) {
                    return false;
                }
            }
        }
        return workers.ready(workers.instance(MeshService.TASK, 1));
    }
}
