package io.scalemesh.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds PostgreSQL's server programs and runs them. PostgreSQL refuses to run as root; as root we
 * run it in a new user namespace ({@code unshare -U}) where it is not root, which needs neither a
 * {@code postgres} user nor a chown of the data folder.
 */
final class PostgresBinaries {

    private final Path bin;
    private final boolean root;

    private PostgresBinaries(Path bin) {
        this.bin = bin;
        this.root = Processes.runningAsRoot();
    }

    /**
     * {@code MESH_PG_BIN}: a folder with initdb and pg_ctl, or {@code embedded}. Unset: the newest
     * Debian install, else whatever {@code pg_ctl} the PATH has, else the embedded build.
     */
    static PostgresBinaries locate(StackSettings settings) {
        String configured = settings.value("postgres.bin", System.getenv("MESH_PG_BIN"));
        if ("embedded".equals(configured)) {
            return new PostgresBinaries(EmbeddedBinaries.postgresBin(settings.root()));
        }
        if (configured != null && !configured.isBlank()) {
            return new PostgresBinaries(Path.of(configured));
        }
        return new PostgresBinaries(debianInstall().or(PostgresBinaries::fromPath)
                .orElseGet(() -> EmbeddedBinaries.postgresBin(settings.root())));
    }

    /** Portable builds may lack it; the replica is then cloned with {@link BaseBackup}. */
    boolean hasBaseBackupTool() {
        return Files.isExecutable(bin.resolve("pg_basebackup"));
    }

    /**
     * lz4 where the build has it (Debian's does), else none: a server given a WAL compression it
     * was built without refuses to start, and the portable build has no lz4.
     */
    String walCompression() {
        Path pgConfig = bin.resolve("pg_config");
        if (!Files.isExecutable(pgConfig)) {
            return "off";
        }
        try {
            Process process = new ProcessBuilder(pgConfig.toString(), "--configure").redirectErrorStream(true).start();
            String configure = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return process.waitFor() == 0 && configure.contains("--with-lz4") ? "lz4" : "off";
        } catch (IOException e) {
            return "off";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "off";
        }
    }

    private static Optional<Path> debianInstall() {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("pg_ctl")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> fromPath() {
        return Processes.onPath("pg_ctl").map(p -> {
            try {
                return p.toRealPath().getParent();
            } catch (IOException e) {
                return p.getParent();
            }
        }).filter(b -> Files.isExecutable(b.resolve("initdb")));
    }

    List<String> command(String program, String... args) {
        List<String> command = new ArrayList<>();
        if (root) {
            command.add("unshare");
            command.add("-U");
        }
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(args));
        return command;
    }
}
