package io.scalemesh.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.OptionalLong;
import java.util.stream.Stream;

/** Starting, finding and stopping the operating-system processes the devstack owns. */
public final class Processes {

    private Processes() {
    }

    /** Runs a command to completion; a non-zero exit fails with the end of its output. */
    public static void run(List<String> command, Path log, Duration timeout, Map<String, String> env) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout
                        + "; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue()
                        + ":\n" + tail(log, 15));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    /**
     * Starts a long-running process whose output goes to a file, so it outlives this JVM (the
     * {@code ./mesh up} CLI exits while Kafka and the services go on).
     */
    public static Process spawn(List<String> command, Path log, Map<String, String> env) {
        return spawn(command, log, env, null);
    }

    /** As above, in {@code directory} (null: this process's own). */
    public static Process spawn(List<String> command, Path log, Map<String, String> env, Path directory) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).directory(directory == null ? null : directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(env);
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
    }

    /** The pid in a pid file, if that process is alive and still the one we started (pids get reused). */
    public static OptionalLong alivePid(Path pidFile, String cmdlineMarker) {
        if (!Files.isRegularFile(pidFile)) {
            return OptionalLong.empty();
        }
        try {
            String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
            if (first.isEmpty()) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(first);
            return isAlive(pid, cmdlineMarker) ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public static boolean isAlive(long pid, String cmdlineMarker) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                && cmdline(pid).contains(cmdlineMarker);
    }

    public static void writePid(Path pidFile, long pid) {
        try {
            Files.createDirectories(pidFile.getParent());
            Files.writeString(pidFile, pid + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM, then SIGKILL if it is still there after the grace period. */
    public static void terminate(long pid, Duration grace) {
        ProcessHandle.of(pid).ifPresent(handle -> {
            handle.destroy();
            if (!awaitExit(handle, grace)) {
                handle.destroyForcibly();
                awaitExit(handle, Duration.ofSeconds(10));
            }
        });
    }

    /** Polls: onExit() of a process that is not our child checks only every second or so. */
    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (handle.isAlive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            KafkaBroker.sleepQuietly(25);
        }
        return true;
    }

    /** SIGKILL: what a crash looks like to everyone else (fault tests use it). */
    public static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(handle -> {
            handle.destroyForcibly();
            awaitExit(handle, Duration.ofSeconds(10));
        });
    }

    /**
     * SIGSTOP (frozen: it holds its sockets and answers nothing, as a process stuck in a long GC
     * pause or on a dead disk would) or SIGCONT (it carries on where it stopped).
     */
    public static void freeze(long pid, boolean frozen) {
        try {
            Process kill = new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(pid)).redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill " + (frozen ? "-STOP " : "-CONT ") + pid + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + pid, e);
        }
    }

    /**
     * Memory of a process and its children in KiB: the sum of their proportional set sizes, which
     * is the RSS of a process tree without counting shared pages (PostgreSQL's) more than once.
     */
    public static long memoryKib(long pid) {
        return ProcessHandle.of(pid)
                .map(handle -> Stream.concat(Stream.of(handle), handle.descendants())
                        .mapToLong(h -> pssKib(h.pid())).sum())
                .orElse(0L);
    }

    private static long pssKib(long pid) {
        try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
            return lines.filter(l -> l.startsWith("Pss:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                    .findFirst().orElse(0L);
        } catch (IOException | UncheckedIOException e) {
            return 0L;
        }
    }

    private static String cmdline(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines of a log, to put the cause of a failure in front of the user. */
    public static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log at " + log + ")";
        }
    }

    /** An executable on the PATH, if there is one. */
    public static java.util.Optional<Path> onPath(String executable) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(":")).filter(s -> !s.isEmpty())
                .map(dir -> Path.of(dir, executable))
                .filter(Files::isExecutable)
                .findFirst();
    }

    public static boolean runningAsRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
