package io.scalemesh.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** A PostgreSQL primary: initialised once, then started and stopped with pg_ctl. */
final class PostgresPrimary implements Component {

    private final StackSettings settings;
    private final int server;
    private final Path dir;

    PostgresPrimary(StackSettings settings, int server) {
        this.settings = settings;
        this.server = server;
        this.dir = settings.stateDir().resolve(name());
    }

    @Override
    public String name() {
        return "postgres-" + server;
    }

    Path data() {
        return dataDir();
    }

    int port() {
        return settings.postgresPort(server);
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    @Override
    public List<PortSetting> ports() {
        return List.of(new PortSetting(port(), settings.envName("postgres.port")));
    }

    @Override
    public OptionalLong pid() {
        return Processes.alivePid(dataDir().resolve("postmaster.pid"), dataDir().toString());
    }

    @Override
    public void start() {
        PostgresBinaries pg = PostgresBinaries.locate(settings);
        if (!Files.exists(dataDir().resolve("PG_VERSION"))) {
            initialise(pg);
        }
        pgCtlStart(settings, pg, dir, dataDir());
        createDatabases();
    }

    @Override
    public void stop() {
        pgCtlStop(PostgresBinaries.locate(settings), dir, dataDir());
    }

    private void initialise(PostgresBinaries pg) {
        try {
            Files.createDirectories(dir);
            Path passwordFile = Files.writeString(dir.resolve("initdb.pw"), StackSettings.DB_PASSWORD + "\n");
            Processes.run(pg.command("initdb", "-D", dataDir().toString(), "-U", StackSettings.DB_USER,
                            "--pwfile=" + passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
                            "--no-instructions"),
                    dir.resolve("initdb.log"), Duration.ofSeconds(120), Map.of());
            Files.delete(passwordFile);
            Files.writeString(dataDir().resolve("postgresql.conf"), String.join("\n",
                    "",
                    "# scalemesh devstack",
                    "listen_addresses = '" + StackSettings.HOST + "'",
                    "port = " + port(),
                    // TCP only: a Unix socket path inside a deep checkout can exceed the 107-byte limit.
                    "unix_socket_directories = ''",
                    "wal_level = replica",
                    "max_wal_senders = 5",
                    // A replica that clones or reconnects finds the WAL it needs still here.
                    "wal_keep_size = '256MB'",
                    "hot_standby = on",
                    "max_connections = 200",
                    // Sized for the write-heavy paths (task accepts, inboxes): with 64 MB, backends
                    // wrote out dirty pages themselves, and 1 GB of WAL forced a checkpoint every
                    // ~40 s at 6,000 task accepts/s, each followed by a burst of full-page images.
                    "shared_buffers = 256MB",
                    "max_wal_size = '4GB'",
                    "checkpoint_timeout = '15min'",
                    "wal_compression = " + pg.walCompression(),
                    // A new cluster has no old WAL segments to recycle until its first checkpoint
                    // (minutes away with 4 GB), so it creates one every 16 MB of WAL, and zero-filled
                    // it while holding WALWriteLock: every commit stalled 30-60 ms about once a second
                    // at 10,000 task accepts/s (wait event WALInitWrite), and the replicas zero-filled
                    // every segment too. Created sparse, ext4 allocates the blocks as WAL is written.
                    "wal_init_zero = off",
                    // Queue tables (the task outbox, inboxes) churn thousands of rows a second: the
                    // default 1 min between autovacuum visits let the outbox bloat to 375 MB.
                    "autovacuum_naptime = '10s'",
                    "fsync = " + (settings.postgresFsync() ? "on" : "off"),
                    ""), java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void createDatabases() {
        String url = "jdbc:postgresql://" + StackSettings.HOST + ":" + port() + "/postgres";
        try (Connection connection = DriverManager.getConnection(url, StackSettings.DB_USER, StackSettings.DB_PASSWORD)) {
            for (String database : settings.postgresDatabases()) {
                try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                    exists.setString(1, database);
                    if (exists.executeQuery().next()) {
                        continue;
                    }
                }
                try (Statement create = connection.createStatement()) {
                    create.execute("CREATE DATABASE \"" + database.replace("\"", "") + "\"");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the mesh's databases on " + name() + ": " + e.getMessage(), e);
        }
    }

    /** Starts a server, serving TLS with the stack's certificate (set on the command line, so a data folder made before TLS gets it too). */
    static void pgCtlStart(StackSettings settings, PostgresBinaries pg, Path dir, Path dataDir) {
        Processes.run(pg.command("pg_ctl", "-D", dataDir.toString(), "-l", dir.resolve("postgres.log").toString(),
                "-o", PostgresTls.serverOptions(settings), "-w", "-t", "120", "start"), dir.resolve("pg_ctl.log"),
                Duration.ofSeconds(150), Map.of());
    }

    static void pgCtlStop(PostgresBinaries pg, Path dir, Path dataDir) {
        Processes.run(pg.command("pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "60", "stop"),
                dir.resolve("pg_ctl.log"), Duration.ofSeconds(90), Map.of());
    }
}
