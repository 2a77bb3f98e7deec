package io.scalemesh.profile.shard;

import java.time.Duration;
import java.util.List;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.scalemesh.profile.shard.SchemaMigrator.Migration;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Brings every logical shard to the current schema before the service takes requests: each server
 * migrates the shard schemas it holds (the same versioned scripts, once per {@code shard_NNNN},
 * each shard its own track so a shard copied to another server carries its history along).
 */
@ApplicationScoped
public class ShardSchema {

    private static final Logger LOG = Logger.getLogger(ShardSchema.class);
    /** Stands for the shard's schema in a script. */
    static final String PLACEHOLDER = "{{shard}}";
    static final List<Migration> SCRIPTS = List.of(
            Migration.resource("profile", 1, "profiles", "db/profile/V1__profiles.sql"));

    void migrate(@Observes @Priority(1) StartupEvent startup, ShardServers servers) {
        for (ShardServers.Server server : servers.servers().values()) {
            List<Integer> shards = servers.map().shardsOn(server.name());
            List<Migration> migrations = shards.stream()
                    .flatMap(shard -> SCRIPTS.stream().map(script -> new Migration("profile." + ShardMap.schema(shard),
                            script.version(), script.description(), script.sql().replace(PLACEHOLDER, ShardMap.schema(shard)))))
                    .toList();
            int applied = SchemaMigrator.migrate(server.primary(), migrations).await().atMost(Duration.ofSeconds(120));
            LOG.infof("profile shards on %s up to date: %d shards (%d migrations applied now)", server.name(), shards.size(), applied);
        }
    }
}
