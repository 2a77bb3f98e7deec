package io.scalemesh.devstack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class StackSettingsTest {

    /** Linux's default range for the local ports of outgoing connections. */
    private static final int EPHEMERAL_FROM = 32768;

    @Test
    void noProfileListensWhereClientPortsAreHandedOutAndNoTwoProfilesShareAPort() {
        Map<Integer, String> owners = new HashMap<>();
        for (StackSettings.Profile profile : StackSettings.Profile.values()) {
            StackSettings settings = new StackSettings(profile, Path.of("."), Map.of());
            for (Map.Entry<String, Integer> port : ports(settings).entrySet()) {
                String owner = profile.id() + " " + port.getKey();
                assertTrue(port.getValue() > 1024 && port.getValue() < EPHEMERAL_FROM, owner + " listens on " + port.getValue());
                String earlier = owners.putIfAbsent(port.getValue(), owner);
                assertTrue(earlier == null, owner + " and " + earlier + " share port " + port.getValue());
            }
        }
    }

    /** Every port a profile's stack listens on, with up to ten instances of each service. */
    private static Map<String, Integer> ports(StackSettings settings) {
        Map<String, Integer> ports = new HashMap<>();
        ports.put("kafka", settings.kafkaPort());
        ports.put("kafka controller", settings.kafkaControllerPort());
        ports.put("redis", settings.redisPort());
        for (int server = 0; server < settings.postgresServers(); server++) {
            ports.put("postgres-" + server, settings.postgresPort(server));
            ports.put("postgres-" + server + "-replica", settings.postgresReplicaPort(server));
        }
        for (MeshService service : MeshService.values()) {
            for (int instance = 0; instance < 10; instance++) {
                ports.put(service.id() + "-" + instance, service.port(settings, instance));
            }
        }
        return ports;
    }

    @Test
    void theListAboveIsEveryPortAStackDeclares() {
        StackSettings settings = new StackSettings(StackSettings.Profile.BENCH, Path.of("."), Map.of());
        List<Integer> declared = new DevStack(settings).components().stream()
                .flatMap(c -> c.ports().stream()).map(Component.PortSetting::port).toList();
        assertTrue(ports(settings).values().containsAll(declared), "declared " + declared);
    }
}
