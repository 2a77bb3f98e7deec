package io.scalemesh.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** A hot-standby streaming replica of one primary, cloned with pg_basebackup on its first start. */
final class PostgresReplica implements Component {

    private final StackSettings settings;
    private final PostgresPrimary primary;
    private final int server;
    private final Path dir;

    PostgresReplica(StackSettings settings, PostgresPrimary primary, int server) {
        this.settings = settings;
        this.primary = primary;
        this.server = server;
        this.dir = settings.stateDir().resolve(name());
    }

    @Override
    public java.util.Optional<Component> after() {
        return java.util.Optional.of(primary);
    }

    @Override
    public String name() {
        return primary.name() + "-replica";
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    @Override
    public List<PortSetting> ports() {
        // Its port follows the primary's: postgres.port + 10*server + 1.
        return List.of(new PortSetting(settings.postgresReplicaPort(server), settings.envName("postgres.port")));
    }

    @Override
    public OptionalLong pid() {
        return Processes.alivePid(dataDir().resolve("postmaster.pid"), dataDir().toString());
    }

    @Override
    public void start() {
        if (!primary.running()) {
            throw new IllegalStateException(name() + " needs " + primary.name() + " running");
        }
        PostgresBinaries pg = PostgresBinaries.locate(settings);
        if (!Files.exists(dataDir().resolve("PG_VERSION"))) {
            cloneFromPrimary(pg);
        }
        PostgresPrimary.pgCtlStart(settings, pg, dir, dataDir());
    }

    @Override
    public void stop() {
        PostgresPrimary.pgCtlStop(PostgresBinaries.locate(settings), dir, dataDir());
    }

    /**
     * Pauses or resumes the replay of the primary's WAL: the replica stays up and answers reads,
     * but falls behind by whatever is written meanwhile (fault drills: replica lag).
     */
    public void replay(boolean paused) {
        String url = "jdbc:postgresql://" + StackSettings.HOST + ":" + settings.postgresReplicaPort(server) + "/postgres";
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url, StackSettings.DB_USER, StackSettings.DB_PASSWORD);
             java.sql.Statement statement = connection.createStatement()) {
            statement.execute(paused ? "SELECT pg_wal_replay_pause()" : "SELECT pg_wal_replay_resume()");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot " + (paused ? "pause" : "resume") + " replay on " + name() + ": " + e.getMessage(), e);
        }
    }

    private void cloneFromPrimary(PostgresBinaries pg) {
        if (!pg.hasBaseBackupTool()) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            BaseBackup.clone(primary.port(), primary.data(), dataDir(), settings.postgresReplicaPort(server));
            return;
        }
        try {
            Files.createDirectories(dir);
            // -R writes standby.signal and primary_conninfo: the copy starts as a streaming replica.
            Processes.run(pg.command("pg_basebackup", "-h", StackSettings.HOST, "-p", Integer.toString(primary.port()),
                            "-U", StackSettings.DB_USER, "-D", dataDir().toString(), "-R", "-X", "stream", "-c", "fast"),
                    dir.resolve("basebackup.log"), Duration.ofSeconds(180), Map.of("PGPASSWORD", StackSettings.DB_PASSWORD));
            Files.writeString(dataDir().resolve("postgresql.auto.conf"),
                    "port = " + settings.postgresReplicaPort(server) + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
