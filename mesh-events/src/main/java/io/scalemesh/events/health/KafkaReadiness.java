package io.scalemesh.events.health;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.scalemesh.events.kafka.KafkaLogin;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Readiness: the Kafka broker answers within a bounded time. It replaces Quarkus's own check,
 * which waits up to the clients' default API timeout (60 s) while the broker is down; lowering
 * that default instead would also reach the consumers, whose offset look-ups after a broker
 * restart must be allowed to wait (a timeout there stops the channel for good).
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {

    public static final String NAME = "Kafka broker";

    @ConfigProperty(name = "mesh.kafka.health.timeout", defaultValue = "3s")
    Duration timeout;

    private Admin admin;

    @PostConstruct
    void connect() {
        Properties config = new Properties();
        config.putAll(KafkaLogin.clientConfig());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "readiness");
        admin = Admin.create(config);
    }

    @PreDestroy
    void close() {
        admin.close(Duration.ofSeconds(1));
    }

    @Override
    public HealthCheckResponse call() {
        try {
            String nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS).stream()
                    .map(node -> node.host() + ":" + node.port()).collect(Collectors.joining(","));
            return HealthCheckResponse.named(NAME).up().withData("nodes", nodes).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HealthCheckResponse.named(NAME).down().withData("reason", "interrupted").build();
        } catch (Exception e) {
            return HealthCheckResponse.named(NAME).down().withData("reason", String.valueOf(e.getMessage())).build();
        }
    }
}
