package io.scalemesh.task.worker;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * Turns the one {@code mesh.task.role} setting into what it means for messaging: an API-only
 * instance does not consume {@code task.requested} at all (it does not even join the workers'
 * consumer group, so it holds no partitions). Ordinal 275: above application.properties, below
 * environment variables.
 */
public class RoleConfigSourceFactory implements ConfigSourceFactory {

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue value = context.getValue(Role.PROPERTY);
        Role role = Role.parse(value == null ? null : value.getValue());
        return List.of(new MapBackedConfigSource("mesh.task.role=" + role, Map.of(
                "mp.messaging.incoming.task-requested.enabled", Boolean.toString(role.works())), 275) {
        });
    }
}
