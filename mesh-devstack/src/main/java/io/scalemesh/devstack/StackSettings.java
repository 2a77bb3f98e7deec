package io.scalemesh.devstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where one devstack lives and which ports it takes.
 *
 * <p>There is one stack per profile, each with its own state folder and ports, so the test suite
 * ({@code test}) and the end-to-end script ({@code e2e}) never touch a mesh a user started with
 * {@code ./mesh up} ({@code dev}). Every setting can be changed with an environment variable
 * ({@code MESH_KAFKA_PORT} for dev, {@code MESH_TEST_KAFKA_PORT} for test, ...) or the matching
 * system property ({@code mesh.dev.kafka.port}).
 */
public final class StackSettings {

    /**
     * Ports of a profile are the dev ports plus its offset. Every profile's ports stay below 32768,
     * where Linux hands out client ports (32768-60999): a bench port up there was once taken by
     * some connection's own end just as an instance restarted.
     */
    public enum Profile {
        DEV(0), TEST(10_000), E2E(-5_000), BENCH(2_000);

        final int portOffset;

        Profile(int portOffset) {
            this.portOffset = portOffset;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Profile of(String id) {
            try {
                return valueOf(id.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--profile takes dev, test, e2e or bench, not '" + id + "'");
            }
        }
    }

    /** The devstack Kafka's SCRAM user: development credentials, like the database's. */
    public static final String KAFKA_USER = "scalemesh";
    public static final String KAFKA_PASSWORD = "scalemesh-dev";
    public static final String KAFKA_MECHANISM = "SCRAM-SHA-512";
    /** The devstack Redis's one ACL user: development credentials, like the database's. */
    public static final String REDIS_USER = "scalemesh";
    public static final String REDIS_PASSWORD = "scalemesh-dev";
    public static final String DB_USER = "scalemesh";
    /** A development password for a stack bound to 127.0.0.1 only; clusters take theirs from Secrets. */
    public static final String DB_PASSWORD = "scalemesh";
    public static final String HOST = "127.0.0.1";

    private final Profile profile;
    private final Path root;
    private final Map<String, String> env;

    StackSettings(Profile profile, Path root, Map<String, String> env) {
        this.profile = profile;
        this.root = root;
        this.env = env;
    }

    public static StackSettings of(Profile profile) {
        return new StackSettings(profile, findRoot(), System.getenv());
    }

    public static StackSettings of(Profile profile, Path root) {
        return new StackSettings(profile, root, System.getenv());
    }

    /** The repository root: {@code mesh.root}, {@code MESH_ROOT}, or the nearest folder up with a {@code mesh} script. */
    public static Path findRoot() {
        String configured = System.getProperty("mesh.root", System.getenv("MESH_ROOT"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mesh")) && Files.isDirectory(dir.resolve("mesh-devstack"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the scalemesh root: run from inside the repository or set MESH_ROOT");
    }

    public Profile profile() {
        return profile;
    }

    public Path root() {
        return root;
    }

    /** Everything the stack writes: data, logs, pid files, the dev JWT keys. Git-ignored. */
    public Path stateDir() {
        String configured = value("state-dir", null);
        return configured != null ? Path.of(configured) : root.resolve(".mesh").resolve(profile.id());
    }

    public int kafkaPort() {
        return port("kafka.port", 19092);
    }

    public int kafkaControllerPort() {
        return port("kafka.controller-port", 19093);
    }

    public int kafkaPartitions() {
        return Integer.parseInt(value("kafka.partitions", "6"));
    }

    /** The mesh's topics; each also gets a {@code <topic>.dlq}. */
    public List<String> kafkaTopics() {
        return list("kafka.topics", "user-actions,profile.changed,task.requested,task.completed");
    }

    public String kafkaHeap() {
        return value("kafka.heap", "-Xms128m -Xmx512m");
    }

    public Path kafkaLib() {
        return root.resolve("mesh-devstack/kafka-runtime/target/lib");
    }

    public String kafkaBootstrap() {
        return HOST + ":" + kafkaPort();
    }

    /**
     * What every Kafka client of this stack needs besides its own settings: the address and the
     * SCRAM-SHA-512 login the broker insists on (over plaintext: the broker listens on loopback
     * only; a cluster adds TLS).
     */
    public java.util.Map<String, String> kafkaClientConfig() {
        return java.util.Map.of("bootstrap.servers", kafkaBootstrap(), "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", KAFKA_MECHANISM, "sasl.jaas.config", kafkaJaas());
    }

    static String kafkaJaas() {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + KAFKA_USER
                + "\" password=\"" + KAFKA_PASSWORD + "\";";
    }

    /**
     * Physical PostgreSQL servers; each is a primary with one streaming replica. Two by default, so
     * the profile-service's logical shards really spread over more than one server.
     */
    public int postgresServers() {
        return Integer.parseInt(value("postgres.servers", "2"));
    }

    /** Server i's primary listens on {@code postgres.port + 10*i}, its replica one port above. */
    public int postgresPort(int server) {
        return port("postgres.port", 15432) + 10 * server;
    }

    public int postgresReplicaPort(int server) {
        return postgresPort(server) + 1;
    }

    /** One database per service that owns data (DESIGN: no service reads another's tables). */
    public List<String> postgresDatabases() {
        return list("postgres.databases", "profile,task,notification,billing");
    }

    /** Test stacks trade durability for speed; a dev stack keeps PostgreSQL's defaults. */
    public boolean postgresFsync() {
        return Boolean.parseBoolean(value("postgres.fsync", profile == Profile.TEST ? "false" : "true"));
    }

    public String postgresUrl(int server) {
        return "postgresql://" + HOST + ":" + postgresPort(server);
    }

    public String postgresReplicaUrl(int server) {
        return "postgresql://" + HOST + ":" + postgresReplicaPort(server);
    }

    public int redisPort() {
        return port("redis.port", 16379);
    }

    /** The lab agent ({@link LabAgent}): what the gateway's lab asks to kill, stop or scale. Loopback only. */
    public int labAgentPort() {
        return port("lab-agent.port", 8079);
    }

    /** With the ACL user the devstack's Redis has (its password-less default user is off). */
    public String redisUrl() {
        return "redis://" + REDIS_USER + ":" + REDIS_PASSWORD + "@" + HOST + ":" + redisPort();
    }

    /** The first instance of a service listens on its base port, instance i on {@code base + 10*i}. */
    public int servicePort(String service, int devDefault) {
        return port(service + ".port", devDefault);
    }

    /** The environment variable that changes a setting, for error messages that say what to do. */
    public String envName(String key) {
        String prefix = profile == Profile.DEV ? "MESH_" : "MESH_" + profile.name() + "_";
        return prefix + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    String value(String key, String defaultValue) {
        String fromProperty = System.getProperty("mesh." + profile.id() + "." + key);
        if (fromProperty != null && !fromProperty.isBlank()) {
            return fromProperty;
        }
        String fromEnv = env.get(envName(key));
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv : defaultValue;
    }

    private int port(String key, int devDefault) {
        String configured = value(key, null);
        return configured != null ? Integer.parseInt(configured) : devDefault + profile.portOffset;
    }

    private List<String> list(String key, String defaultValue) {
        return Arrays.stream(value(key, defaultValue).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
