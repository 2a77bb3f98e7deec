package io.scalemesh.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * PostgreSQL and Redis server programs that come from Maven Central inside jars, for a machine
 * that has a JDK and nothing else: extracted once into {@code .mesh/bin/}, then used like the
 * machine's own. (PostgreSQL: zonky's portable build, which has no pg_basebackup; the replica is
 * then cloned with a low-level base backup, see {@link BaseBackup}.)
 */
final class EmbeddedBinaries {

    static final String POSTGRES_ARCHIVE = "postgres-linux-x86_64.txz";
    static final String REDIS_BINARY = "redis-server-7.0.15-linux-amd64";

    private EmbeddedBinaries() {
    }

    /** The {@code bin} folder of the extracted PostgreSQL. */
    static synchronized Path postgresBin(Path root) {
        Path home = root.resolve(".mesh/bin/postgres");
        Path done = home.resolve(".extracted");
        if (!Files.exists(done)) {
            try (InputStream archive = resource(POSTGRES_ARCHIVE);
                    TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(archive))) {
                deleteRecursively(home);
                Files.createDirectories(home);
                for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                    Path target = home.resolve(entry.getName()).normalize();
                    if (!target.startsWith(home)) {
                        throw new IllegalStateException("archive entry outside its folder: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(target.getParent());
                        Files.deleteIfExists(target);
                        Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(target, permissions(entry.getMode()));
                    }
                }
                Files.createFile(done);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract the embedded PostgreSQL into " + home, e);
            }
        }
        return home.resolve("bin");
    }

    static synchronized Path redisServer(Path root) {
        Path binary = root.resolve(".mesh/bin/" + REDIS_BINARY);
        if (!Files.isExecutable(binary)) {
            try (InputStream in = resource(REDIS_BINARY)) {
                Files.createDirectories(binary.getParent());
                Path partial = binary.resolveSibling(REDIS_BINARY + ".part");
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(partial, permissions(0755));
                Files.move(partial, binary, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract the embedded redis-server", e);
            }
        }
        return binary;
    }

    private static InputStream resource(String name) {
        InputStream in = EmbeddedBinaries.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is not on the classpath: it ships in a mesh-devstack dependency");
        }
        return in;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = { PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ };
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                permissions.add(bits[i]);
            }
        }
        return permissions;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
