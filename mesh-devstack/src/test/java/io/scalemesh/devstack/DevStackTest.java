package io.scalemesh.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The devstack runs real Kafka, PostgreSQL with a streaming replica, and Redis. */
class DevStackTest {

    private final DevStack stack = TestStack.shared();
    private final StackSettings settings = stack.settings();

    @Test
    void kafkaRoundTrip() throws Exception {
        String key = "user-" + UUID.randomUUID();
        String value = "{\"probe\":\"" + UUID.randomUUID() + "\"}";
        Properties producerConfig = new Properties();
        producerConfig.putAll(settings.kafkaClientConfig());
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            sent = producer.send(new ProducerRecord<>("user-actions", key, value)).get();
        }

        Properties consumerConfig = new Properties();
        consumerConfig.putAll(settings.kafkaClientConfig());
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "devstack-test-" + UUID.randomUUID());
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("user-actions"));
            ConsumerRecord<String, String> received = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (key.equals(record.key())) {
                        received = record;
                    }
                }
            }
            assertTrue(received != null, "the record sent to partition " + sent.partition() + " came back");
            assertEquals(value, received.value());
            assertEquals(sent.partition(), received.partition());
            assertEquals(sent.offset(), received.offset());
        }
    }

    @Test
    void kafkaLetsNoClientInWithoutItsLogin() {
        for (Map<String, String> login : List.of(Map.<String, String>of(), Map.of("security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", StackSettings.KAFKA_MECHANISM, "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"scalemesh\" password=\"wrong\";"))) {
            Properties config = new Properties();
            config.put("bootstrap.servers", settings.kafkaBootstrap());
            config.putAll(login);
            config.put("request.timeout.ms", "2000");
            config.put("default.api.timeout.ms", "3000");
            try (var admin = org.apache.kafka.clients.admin.Admin.create(config)) {
                assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> admin.listTopics().names().get(), "listed topics with " + (login.isEmpty() ? "no login" : "a wrong password"));
            }
        }
    }

    @Test
    void topicsExistWithTheirDeadLetterQueues() throws Exception {
        Properties config = new Properties();
        config.putAll(settings.kafkaClientConfig());
        try (var admin = org.apache.kafka.clients.admin.Admin.create(config)) {
            var topics = admin.describeTopics(List.of("user-actions", "user-actions.dlq", "task.requested", "task.completed",
                    "profile.changed")).allTopicNames().get();
            assertEquals(settings.kafkaPartitions(), topics.get("user-actions").partitions().size());
            assertEquals(1, topics.get("user-actions.dlq").partitions().size());
        }
    }

    @Test
    void aRowWrittenOnThePrimaryIsReadFromTheReplicaWhichRefusesWrites() throws Exception {
        String id = UUID.randomUUID().toString();
        try (Connection primary = connect(settings.postgresPort(0))) {
            primary.createStatement().execute("CREATE TABLE IF NOT EXISTS devstack_probe (id text PRIMARY KEY)");
            try (PreparedStatement insert = primary.prepareStatement("INSERT INTO devstack_probe VALUES (?)")) {
                insert.setString(1, id);
                insert.executeUpdate();
            }
        }
        try (Connection replica = connect(settings.postgresReplicaPort(0))) {
            ResultSet recovery = replica.createStatement().executeQuery("SELECT pg_is_in_recovery()");
            recovery.next();
            assertTrue(recovery.getBoolean(1), "the replica port serves a standby");
            boolean replicated = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!replicated && System.nanoTime() < deadline) {
                try (PreparedStatement select = replica.prepareStatement("SELECT 1 FROM devstack_probe WHERE id = ?")) {
                    select.setString(1, id);
                    replicated = select.executeQuery().next();
                } catch (SQLException tableNotYetReplicated) {
                    // 42P01 until the CREATE TABLE has streamed over
                }
                if (!replicated) {
                    Thread.sleep(50);
                }
            }
            assertTrue(replicated, "the primary's row reached the replica");
            SQLException refused = assertThrows(SQLException.class,
                    () -> replica.createStatement().execute("INSERT INTO devstack_probe VALUES ('" + UUID.randomUUID() + "')"));
            assertEquals("25006", refused.getSQLState(), "read_only_sql_transaction");
        }
    }

    @Test
    void everyServiceDatabaseExists() throws Exception {
        try (Connection primary = connect(settings.postgresPort(0))) {
            ResultSet rows = primary.createStatement().executeQuery("SELECT datname FROM pg_database");
            java.util.Set<String> names = new java.util.HashSet<>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            assertTrue(names.containsAll(settings.postgresDatabases()), "databases " + names);
        }
    }

    @Test
    void postgresIsSizedForTheWritePathsWithTheWalCompressionItsBuildHas() throws Exception {
        try (Connection primary = connect(settings.postgresPort(0))) {
            assertEquals("256MB", show(primary, "shared_buffers"));
            assertEquals("4GB", show(primary, "max_wal_size"));
            assertEquals("15min", show(primary, "checkpoint_timeout"));
            assertEquals("10s", show(primary, "autovacuum_naptime"));
            assertEquals("off", show(primary, "wal_init_zero"));
            assertEquals(PostgresBinaries.locate(settings).walCompression(), show(primary, "wal_compression"));
        }
    }

    @Test
    void everyPostgresServerProvesWithTheStacksCaThatItIs127001(@TempDir Path elsewhere) throws Exception {
        String ca = PostgresTls.caCertificate(settings).toString();
        for (int server = 0; server < settings.postgresServers(); server++) {
            for (int port : new int[] { settings.postgresPort(server), settings.postgresReplicaPort(server) }) {
                try (Connection verified = connect(port, "sslmode=verify-full&sslrootcert=" + ca)) {
                    ResultSet row = verified.createStatement().executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
                    assertTrue(row.next() && row.getBoolean(1), "port " + port + " serves TLS");
                }
            }
        }
        // A client that trusts another CA gets no connection: verify-full checks the chain, not just that TLS is on.
        String otherCa = PostgresTls.in(elsewhere.resolve("tls")).resolve("ca.crt").toString();
        SQLException refused = assertThrows(SQLException.class,
                () -> connect(settings.postgresPort(0), "sslmode=verify-full&sslrootcert=" + otherCa).close());
        assertTrue(refused.getMessage().contains("SSL"), refused.getMessage());
    }

    private static String show(Connection connection, String setting) throws SQLException {
        ResultSet row = connection.createStatement().executeQuery("SHOW " + setting);
        row.next();
        return row.getString(1);
    }

    @Test
    void redisRoundTrip() throws Exception {
        String key = "devstack:probe:" + UUID.randomUUID();
        assertTrue(redisWithoutLogin("GET", key).startsWith("-NOAUTH"), "Redis answers nobody who has not logged in");
        assertEquals("+OK", redis("SET", key, "value-1"));
        assertEquals("value-1", redis("GET", key));
        assertEquals(":1", redis("DEL", key));
    }

    @Test
    void redisKeepsWhatTransactionsWroteAcrossARestart() throws Exception {
        String key = "devstack-test:aof:" + System.nanoTime();
        try (Socket socket = new Socket(StackSettings.HOST, settings.redisPort())) {
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            for (String[] command : List.of(new String[] {"AUTH", StackSettings.REDIS_USER, StackSettings.REDIS_PASSWORD},
                    new String[] {"MULTI"}, new String[] {"INCR", key}, new String[] {"INCR", key}, new String[] {"EXEC"})) {
                out.write(resp(command));
            }
            out.flush();
            List<String> replies = List.of(in.readLine(), in.readLine(), in.readLine(), in.readLine(), in.readLine(), in.readLine(),
                    in.readLine());
            assertEquals(List.of("+OK", "+OK", "+QUEUED", "+QUEUED", "*2", ":1", ":2"), replies);
        }
        // Analytics' counters are written in transactions like this one; the append-only file must replay them.
        stack.component("redis").stop();
        TestStack.ensureRunning("redis");
        assertEquals("2", redis("GET", key), "a restarted Redis replays the transaction from its append-only file");
        redis("DEL", key);
    }

    @Test
    void upWhileRunningStartsNothingTwice() {
        Map<String, Long> before = pids();
        stack.up(line -> { });
        assertEquals(before, pids());
    }

    @Test
    void aTakenPortIsAClearErrorNamingThePortAndTheSetting() throws Exception {
        Component redis = stack.component("redis");
        Map<String, Long> others = pids();
        others.remove("redis");
        redis.stop();
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(StackSettings.HOST, settings.redisPort()));
            Ports.PortTakenException error = assertThrows(Ports.PortTakenException.class, () -> stack.up(line -> { }));
            assertTrue(error.getMessage().contains("port " + settings.redisPort()), error.getMessage());
            assertTrue(error.getMessage().contains("MESH_TEST_REDIS_PORT"), error.getMessage());
        } finally {
            TestStack.ensureRunning("redis");
        }
        assertTrue(redis.running());
        Map<String, Long> after = pids();
        after.remove("redis");
        assertEquals(others, after, "nothing else was restarted");
    }

    @Test
    void downStopsOnlyProcessesThisStackStarted(@TempDir Path otherRoot) throws Exception {
        // A pid file naming a live process that is not ours (think: a reused pid) must not get it killed.
        Process stranger = new ProcessBuilder("sleep", "60").start();
        try {
            StackSettings elsewhere = new StackSettings(StackSettings.Profile.TEST, otherRoot, Map.of());
            Processes.writePid(elsewhere.stateDir().resolve("redis/redis.pid"), stranger.pid());
            Processes.writePid(elsewhere.stateDir().resolve("kafka/kafka.pid"), stack.component("kafka").pid().getAsLong());
            DevStack other = new DevStack(elsewhere);
            assertFalse(other.component("redis").running());
            assertFalse(other.component("kafka").running(), "the shared broker is not the other stack's");
            other.down(line -> { });
            assertTrue(stranger.isAlive());
            assertTrue(stack.allRunning());
        } finally {
            stranger.destroyForcibly();
        }
    }

    @Test
    void wipeDeletesAStoppedStacksStateAndRefusesARunningOne(@TempDir Path otherRoot) throws Exception {
        StackSettings elsewhere = new StackSettings(StackSettings.Profile.TEST, otherRoot, Map.of());
        Processes.writePid(elsewhere.stateDir().resolve("kafka/kafka.pid"), 1);
        new DevStack(elsewhere).wipe();
        assertFalse(java.nio.file.Files.exists(elsewhere.stateDir()), "state left: " + elsewhere.stateDir());

        assertThrows(IllegalStateException.class, stack::wipe);
        assertTrue(java.nio.file.Files.isDirectory(settings.stateDir().resolve("kafka")), "the running stack keeps its state");
    }

    private Map<String, Long> pids() {
        return stack.components().stream().collect(Collectors.toMap(Component::name, c -> c.pid().orElse(-1),
                (a, b) -> a, java.util.TreeMap::new));
    }

    private static Connection connect(int port) throws SQLException {
        return connect(port, "");
    }

    private static Connection connect(int port, String parameters) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?" + parameters,
                StackSettings.DB_USER, StackSettings.DB_PASSWORD);
    }

    /** One Redis command over RESP, as the devstack's user; a simple reply as sent ("+OK", ":1") or a bulk string's value. */
    private String redis(String... args) throws Exception {
        return send(true, args);
    }

    private String redisWithoutLogin(String... args) throws Exception {
        return send(false, args);
    }

    private String send(boolean login, String... args) throws Exception {
        try (Socket socket = new Socket(StackSettings.HOST, settings.redisPort())) {
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            if (login) {
                out.write(resp("AUTH", StackSettings.REDIS_USER, StackSettings.REDIS_PASSWORD));
                out.flush();
                assertEquals("+OK", in.readLine(), "the devstack's Redis login");
            }
            out.write(resp(args));
            out.flush();
            String first = in.readLine();
            return first.startsWith("$") ? in.readLine() : first;
        }
    }

    private static byte[] resp(String... args) {
        StringBuilder command = new StringBuilder("*" + args.length + "\r\n");
        for (String arg : args) {
            command.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
        }
        return command.toString().getBytes(StandardCharsets.UTF_8);
    }
}
