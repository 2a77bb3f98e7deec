package io.scalemesh.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/**
 * PostgreSQL's low-level base backup (the manual's "Making a Base Backup Using the Low Level
 * API"), for binaries without pg_basebackup: pg_backup_start, copy the data folder while that
 * session stays open, pg_backup_stop, write its backup_label, and start the copy as a standby that
 * streams from the primary. The primary keeps enough WAL for it (wal_keep_size).
 */
final class BaseBackup {

    /** Left out of the copy, as the manual says; the folders themselves are kept. */
    private static final Set<String> CONTENTS_SKIPPED = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    private static final Set<String> FILES_SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "backup_label",
            "tablespace_map", "backup_label.old");

    private BaseBackup() {
    }

    static void clone(int primaryPort, Path primaryData, Path replicaData, int replicaPort) {
        String url = "jdbc:postgresql://" + StackSettings.HOST + ":" + primaryPort + "/postgres";
        try (Connection session = DriverManager.getConnection(url, StackSettings.DB_USER, StackSettings.DB_PASSWORD)) {
            session.createStatement().execute("SELECT pg_backup_start('scalemesh-replica', true)");
            copy(primaryData, replicaData);
            ResultSet stop = session.createStatement().executeQuery("SELECT labelfile FROM pg_backup_stop(false)");
            stop.next();
            Files.writeString(replicaData.resolve("backup_label"), stop.getString(1));
            Files.createFile(replicaData.resolve("standby.signal"));
            Files.writeString(replicaData.resolve("postgresql.auto.conf"), String.join("\n",
                    "primary_conninfo = 'host=" + StackSettings.HOST + " port=" + primaryPort + " user=" + StackSettings.DB_USER
                            + " password=" + StackSettings.DB_PASSWORD + "'",
                    "port = " + replicaPort, ""), StandardOpenOption.APPEND);
            Files.setPosixFilePermissions(replicaData, PosixFilePermissions.fromString("rwx------"));
        } catch (SQLException e) {
            throw new IllegalStateException("base backup of port " + primaryPort + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                Path parent = dir.getParent();
                boolean skipContents = !dir.equals(from) && CONTENTS_SKIPPED.contains(dir.getFileName().toString())
                        && parent != null && parent.equals(from);
                if (skipContents && dir.getFileName().toString().equals("pg_wal")) {
                    Files.createDirectories(to.resolve("pg_wal/archive_status"));
                }
                return skipContents ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!(file.getParent().equals(from) && FILES_SKIPPED.contains(file.getFileName().toString()))) {
                    try {
                        Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                    } catch (NoSuchFileException removedWhileCopying) {
                        // a file the server dropped meanwhile: WAL replay accounts for it
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }
}
