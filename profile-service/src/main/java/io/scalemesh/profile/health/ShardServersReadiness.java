package io.scalemesh.profile.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.scalemesh.profile.shard.ShardServers;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Ready when every shard server's primary answers: without one, that server's users can neither
 * write nor, with its replicas gone too, read. Replicas are reported, not required: reads fall
 * back to the primary.
 */
@Readiness
@ApplicationScoped
public class ShardServersReadiness implements AsyncHealthCheck {

    public static final String NAME = "Profile shard servers";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @Inject
    ShardServers shards;

    @Override
    public Uni<HealthCheckResponse> call() {
        List<Uni<String[]>> probes = new ArrayList<>();
        for (ShardServers.Server server : shards.servers().values()) {
            probes.add(probe(server.primary()).map(up -> new String[] {server.name() + ".primary", up ? "UP" : "DOWN"}));
            for (ShardServers.Replica replica : server.replicas()) {
                probes.add(probe(replica.pool()).map(up -> new String[] {server.name() + ".replica." + replica.address(), up ? "UP" : "DOWN"}));
            }
        }
        return Uni.join().all(probes).andCollectFailures().map(results -> {
            HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).up();
            for (String[] result : results) {
                response.withData(result[0], result[1]);
                if (result[0].endsWith(".primary") && result[1].equals("DOWN")) {
                    response.down();
                }
            }
            return response.build();
        });
    }

    private static Uni<Boolean> probe(Pool pool) {
        return pool.query("SELECT 1").execute().ifNoItem().after(TIMEOUT).fail().map(rows -> true).onFailure().recoverWithItem(false);
    }
}
