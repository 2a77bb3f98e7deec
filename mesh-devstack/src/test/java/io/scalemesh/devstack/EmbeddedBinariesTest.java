package io.scalemesh.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine with only a JDK: PostgreSQL and Redis from the jars on Maven Central. The primary's
 * replica is cloned without pg_basebackup (the portable build has none), by a low-level base backup.
 */
class EmbeddedBinariesTest {

    @Test
    void postgresWithAReplicaAndRedisRunFromTheEmbeddedBinaries(@TempDir Path root) throws Exception {
        int pgPort = freePair();
        int redisPort = Ports.ephemeral();
        StackSettings settings = new StackSettings(StackSettings.Profile.TEST, root, Map.of(
                "MESH_TEST_POSTGRES_PORT", Integer.toString(pgPort),
                "MESH_TEST_REDIS_PORT", Integer.toString(redisPort),
                "MESH_TEST_POSTGRES_BIN", "embedded",
                "MESH_TEST_REDIS_SERVER", "embedded"));
        DevStack stack = new DevStack(settings);
        Component primary = stack.component("postgres-0");
        Component replica = stack.component("postgres-0-replica");
        Component redis = stack.component("redis");
        try {
            primary.start();
            replica.start();
            redis.start();
            assertTrue(RedisServer.ping(redisPort), "embedded Redis answers PING");
            try (Connection p = connect(pgPort)) {
                ResultSet version = p.createStatement().executeQuery("SHOW server_version_num");
                version.next();
                assertTrue(version.getInt(1) >= 170000, "the embedded build (17), not the machine's");
                ResultSet compression = p.createStatement().executeQuery("SHOW wal_compression");
                compression.next();
                assertEquals("off", compression.getString(1), "the portable build has no lz4, and a server given it would not start");
                p.createStatement().execute("CREATE TABLE probe (id int PRIMARY KEY); INSERT INTO probe VALUES (7)");
            }
            try (Connection r = connect(pgPort + 1)) {
                boolean seen = false;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!seen && System.nanoTime() < deadline) {
                    try {
                        ResultSet rows = r.createStatement().executeQuery("SELECT id FROM probe");
                        seen = rows.next() && rows.getInt(1) == 7;
                    } catch (SQLException notYet) {
                        Thread.sleep(100);
                    }
                }
                assertTrue(seen, "the replica streams the primary's writes");
                SQLException refused = assertThrows(SQLException.class, () -> r.createStatement().execute("INSERT INTO probe VALUES (8)"));
                assertEquals("25006", refused.getSQLState());
            }
        } finally {
            stack.down(line -> { });
        }
    }

    private static int freePair() {
        for (int i = 0; i < 50; i++) {
            int port = Ports.ephemeral();
            if (port < 65535 && Ports.isFree(port + 1)) {
                return port;
            }
        }
        throw new IllegalStateException("no two free consecutive ports");
    }

    private static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", StackSettings.DB_USER,
                StackSettings.DB_PASSWORD);
    }
}
