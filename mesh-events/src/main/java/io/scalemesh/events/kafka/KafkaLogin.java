package io.scalemesh.events.kafka;

import java.util.HashMap;
import java.util.Map;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The settings a service's own Kafka clients (an Admin for readiness or lag) need to be let in: the
 * bootstrap servers and whatever login and TLS the channels use ({@code kafka.security.protocol},
 * {@code kafka.sasl.*}, {@code kafka.ssl.*}), read from the configuration the connector reads. A
 * broker that wants a login refuses a client without one.
 */
public final class KafkaLogin {

    private KafkaLogin() {
    }

    public static Map<String, Object> clientConfig() {
        Config config = ConfigProvider.getConfig();
        Map<String, Object> client = new HashMap<>();
        client.put("bootstrap.servers", config.getValue("kafka.bootstrap.servers", String.class));
        for (String name : config.getPropertyNames()) {
            String key = name.startsWith("kafka.") ? name.substring("kafka.".length()) : "";
            if (key.equals("security.protocol") || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                config.getOptionalValue(name, String.class).ifPresent(value -> client.put(key, value));
            }
        }
        return client;
    }
}
