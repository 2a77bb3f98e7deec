package io.scalemesh.task.types;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/** Every task type the service knows, by name. */
@ApplicationScoped
public class TaskTypes {

    private final Map<String, TaskType> byName;

    @Inject
    public TaskTypes(Instance<TaskType> types) {
        this.byName = types.stream().collect(Collectors.toMap(TaskType::name, Function.identity(), (a, b) -> a, TreeMap::new));
    }

    public Optional<TaskType> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public java.util.Set<String> names() {
        return byName.keySet();
    }
}
