package io.scalemesh.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** A private Redis that keeps nothing on disk: it is a cache and a rate-limit store, not a database. */
final class RedisServer implements Component {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final StackSettings settings;
    private final Path dir;

    RedisServer(StackSettings settings) {
        this.settings = settings;
        this.dir = settings.stateDir().resolve("redis");
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public List<PortSetting> ports() {
        return List.of(new PortSetting(settings.redisPort(), settings.envName("redis.port")));
    }

    @Override
    public OptionalLong pid() {
        // Redis rewrites its process title to "redis-server 127.0.0.1:<port>".
        return Processes.alivePid(dir.resolve("redis.pid"), StackSettings.HOST + ":" + settings.redisPort());
    }

    @Override
    public void start() {
        Path binary = locate();
        // An append-only file, as in the chart: analytics-service's counters and inbox markers live
        // here, and without it a restart lost every one of them (the redis-stop chaos drill).
        Process process = Processes.spawn(List.of(binary.toString(), "--port", Integer.toString(settings.redisPort()),
                "--bind", StackSettings.HOST, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir.toString(),
                "--daemonize", "no", "--protected-mode", "no", "--maxmemory-policy", "allkeys-lru",
                // One ACL user with a password, as in a cluster: a client without the login gets NOAUTH.
                // The default user is off (no one logs in as it) but keeps every permission: Redis
                // replays the append-only file as that user, and without them refused every
                // MULTI/EXEC in it (NOPERM), so analytics' counters did not survive a restart.
                "--user", "default", "off", "~*", "&*", "+@all", "--user", StackSettings.REDIS_USER, "on", ">" + StackSettings.REDIS_PASSWORD, "~*", "&*", "+@all"),
                dir.resolve("redis.log"), Map.of());
        Processes.writePid(dir.resolve("redis.pid"), process.pid());
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!ping(settings.redisPort())) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Redis exited while starting:\n" + Processes.tail(dir.resolve("redis.log"), 10));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Redis did not answer PING within " + READY_TIMEOUT);
            }
            KafkaBroker.sleepQuietly(50);
        }
    }

    @Override
    public void stop() {
        pid().ifPresent(pid -> Processes.terminate(pid, Duration.ofSeconds(10)));
    }

    /** {@code MESH_REDIS_SERVER}: a redis-server binary, or {@code embedded}; unset: the PATH's, else embedded. */
    private Path locate() {
        String configured = settings.value("redis.server", System.getenv("MESH_REDIS_SERVER"));
        if ("embedded".equals(configured)) {
            return EmbeddedBinaries.redisServer(settings.root());
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Processes.onPath("redis-server").orElseGet(() -> EmbeddedBinaries.redisServer(settings.root()));
    }

    /** Logs in as the devstack's user and PINGs. */
    static boolean ping(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(StackSettings.HOST, port), 500);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write(("AUTH " + StackSettings.REDIS_USER + " " + StackSettings.REDIS_PASSWORD + "\r\nPING\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(12); // +OK\r\n+PONG\r\n
            return new String(reply, StandardCharsets.US_ASCII).equals("+OK\r\n+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }
}
