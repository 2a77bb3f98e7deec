package io.scalemesh.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one JVM),
 * started from the jars that {@code mesh-devstack/kafka-runtime} copies out of Maven Central.
 */
final class KafkaBroker implements Component {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final StackSettings settings;
    private final Path dir;

    KafkaBroker(StackSettings settings) {
        this.settings = settings;
        this.dir = settings.stateDir().resolve("kafka");
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public List<PortSetting> ports() {
        return List.of(new PortSetting(settings.kafkaPort(), settings.envName("kafka.port")),
                new PortSetting(settings.kafkaControllerPort(), settings.envName("kafka.controller-port")));
    }

    @Override
    public OptionalLong pid() {
        return Processes.alivePid(dir.resolve("kafka.pid"), dir.resolve("server.properties").toString());
    }

    @Override
    public void start() {
        Path lib = settings.kafkaLib();
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("Kafka's jars are not at " + lib + "; build them with: ./mvnw -q package -DskipTests -pl mesh-devstack/kafka-runtime");
        }
        writeConfig();
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = lib + "/*";
        Path scram = dir.resolve("data/scram-user");
        if (!Files.exists(dir.resolve("data/meta.properties"))) {
            // The SCRAM user exists from the first metadata record on: the broker logs in as it too.
            Processes.run(List.of(java, "-cp", classpath, "kafka.tools.StorageTool", "format",
                            "-t", Uuid.randomUuid().toString(), "-c", dir.resolve("server.properties").toString(),
                            "--add-scram", StackSettings.KAFKA_MECHANISM + "=[name=" + StackSettings.KAFKA_USER
                                    + ",password=" + StackSettings.KAFKA_PASSWORD + "]"),
                    dir.resolve("format.log"), Duration.ofSeconds(60), Map.of());
            try {
                Files.writeString(scram, StackSettings.KAFKA_USER + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else if (!Files.exists(scram)) {
            throw new IllegalStateException("the Kafka data in " + dir + " has no SCRAM user (it predates the devstack's"
                    + " Kafka login); stop the stack and delete that folder to start Kafka afresh");
        }
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(List.of(settings.kafkaHeap().trim().split("\\s+")));
        command.addAll(List.of("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                "-cp", classpath, "kafka.Kafka", dir.resolve("server.properties").toString()));
        Process process = Processes.spawn(command, dir.resolve("kafka.log"), Map.of());
        Processes.writePid(dir.resolve("kafka.pid"), process.pid());
        awaitReadyAndCreateTopics(process);
    }

    @Override
    public void stop() {
        pid().ifPresent(pid -> Processes.terminate(pid, Duration.ofSeconds(30)));
    }

    private void awaitReadyAndCreateTopics(Process process) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Properties config = new Properties();
        config.putAll(settings.kafkaClientConfig());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        try (Admin admin = Admin.create(config)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Kafka exited while starting:\n" + Processes.tail(dir.resolve("kafka.log"), 20));
                }
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        break;
                    }
                } catch (Exception notYet) {
                    // still starting
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Kafka did not become ready within " + READY_TIMEOUT
                            + ":\n" + Processes.tail(dir.resolve("kafka.log"), 20));
                }
                sleepQuietly(200);
            }
            createTopics(admin);
        }
    }

    private void createTopics(Admin admin) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : settings.kafkaTopics()) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, settings.kafkaPartitions(), (short) 1));
                }
                if (!existing.contains(topic + ".dlq")) {
                    // A DLQ is read by people and replay tools, not by scaled-out consumers.
                    missing.add(new NewTopic(topic + ".dlq", 1, (short) 1));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the mesh's Kafka topics: " + e.getMessage(), e);
        }
    }

    private void writeConfig() {
        String server = String.join("\n",
                "# Written by the scalemesh devstack on every start; edit StackSettings instead.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@" + StackSettings.HOST + ":" + settings.kafkaControllerPort(),
                // Clients (and the broker itself) log in with SCRAM-SHA-512, as in the Helm chart; the
                // controller listener is the node's own, on loopback.
                "listeners=SASL_PLAINTEXT://" + StackSettings.HOST + ":" + settings.kafkaPort()
                        + ",CONTROLLER://" + StackSettings.HOST + ":" + settings.kafkaControllerPort(),
                "advertised.listeners=SASL_PLAINTEXT://" + StackSettings.HOST + ":" + settings.kafkaPort(),
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=SASL_PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
                "sasl.enabled.mechanisms=" + StackSettings.KAFKA_MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + StackSettings.KAFKA_MECHANISM,
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=" + StackSettings.kafkaJaas(),
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=" + settings.kafkaPartitions(),
                // Topics are declared (StackSettings, the Helm chart), never created by a typo.
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=4",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "min.insync.replicas=1",
                // One node: a consumer group need not wait for more members before its first assignment.
                "group.initial.rebalance.delay.ms=0",
                "");
        String log4j = String.join("\n",
                "status = warn",
                "appender.out.type = Console",
                "appender.out.name = OUT",
                "appender.out.layout.type = PatternLayout",
                "appender.out.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.out.ref = OUT",
                "logger.started.name = kafka.server.KafkaRaftServer",
                "logger.started.level = INFO",
                "");
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("server.properties"), server);
            Files.writeString(dir.resolve("log4j2.properties"), log4j);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
