package io.scalemesh.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The devstack's hands for the pattern lab: the faults and scaling that only the process that
 * started the mesh can do (the gateway in a pod cannot, and must not). A small HTTP server on
 * loopback; {@code POST /faults/NAME} with the stack's secret in {@code X-Lab-Agent-Secret}. Each
 * fault heals itself after a while, so a click leaves the mesh whole again. The same primitives
 * as {@code ./mesh chaos} and {@code ./mesh infra}.
 */
public final class LabAgent implements AutoCloseable {

    /** A fault the lab can ask for, and how long until it heals itself (zero: it stays, as a scaling does). */
    public record Fault(String name, Duration healsAfter) {
    }

    public static final List<Fault> FAULTS = List.of(
            new Fault("kill-billing", Duration.ofSeconds(20)), // kill -9 of billing's last instance, started again after
            new Fault("stop-redis", Duration.ofSeconds(20)),
            new Fault("pause-replica", Duration.ofSeconds(30)), // postgres-0-replica's WAL replay
            new Fault("scale-out-billing", Duration.ZERO), // up to 3 instances
            new Fault("scale-in-billing", Duration.ZERO)); // down to 1

    private static final String HEADER = "X-Lab-Agent-Secret";

    private final DevStack stack;
    private final ServiceInstances services;
    private final String secret;
    private final HttpServer server;
    private final ScheduledExecutorService healer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "lab-agent-heal"));
    private final Consumer<String> log;
    private final java.util.Set<Runnable> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private LabAgent(DevStack stack, ServiceInstances services, String secret, int port, Consumer<String> log) throws IOException {
        this.stack = stack;
        this.services = services;
        this.secret = secret;
        this.log = log;
        this.server = HttpServer.create(new InetSocketAddress(StackSettings.HOST, port), 16);
        server.createContext("/faults/", this::handle);
        server.createContext("/instances", this::instances);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> new Thread(r, "lab-agent")));
        server.start();
    }

    /** Starts an agent for this stack on its port; {@link #secret(StackSettings)} is what a caller must send. */
    public static LabAgent start(DevStack stack, ServiceInstances services, Consumer<String> log) {
        try {
            return new LabAgent(stack, services, secret(stack.settings()), stack.settings().labAgentPort(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + stack.settings().labAgentPort() + " for the lab agent", e);
        }
    }

    /** The stack's agent secret, made once and kept in its state folder (like its keys). */
    public static String secret(StackSettings settings) {
        Path file = settings.stateDir().resolve("lab-agent.secret");
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                byte[] random = new byte[24];
                new SecureRandom().nextBytes(random);
                Files.writeString(file, HexFormat.of().formatHex(random));
            }
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the gateway needs to reach this stack's agent. */
    public static Map<String, String> gatewayEnvironment(StackSettings settings) {
        return Map.of("MESH_LAB_AGENT_URL", "http://" + StackSettings.HOST + ":" + settings.labAgentPort(), "MESH_LAB_AGENT_SECRET",
                secret(settings));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String name = exchange.getRequestURI().getPath().substring("/faults/".length());
        String given = exchange.getRequestHeaders().getFirst(HEADER);
        if (!"POST".equals(exchange.getRequestMethod())) {
            answer(exchange, 405, "only POST");
        } else if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8))) {
            answer(exchange, 401, "the agent's secret is missing or wrong");
        } else if (FAULTS.stream().noneMatch(f -> f.name().equals(name))) {
            answer(exchange, 404, "no fault '" + name + "'; there are " + FAULTS.stream().map(Fault::name).toList());
        } else {
            try {
                answer(exchange, 200, inject(name));
            } catch (RuntimeException e) {
                answer(exchange, 409, e.getMessage());
            }
        }
    }

    /** {@code GET /instances}: every instance this stack started, as host:port by service, running or not (the lab shows the dead ones red). */
    private void instances(HttpExchange exchange) throws IOException {
        StringBuilder json = new StringBuilder("{");
        for (MeshService service : MeshService.values()) {
            List<String> known = services.known().stream().filter(i -> i.service() == service)
                    .map(i -> jsonString(StackSettings.HOST + ":" + i.port())).toList();
            json.append(json.length() > 1 ? "," : "").append('"').append(service.id()).append("\":[").append(String.join(",", known)).append(']');
        }
        byte[] body = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** Injects one fault and schedules its healing (after its {@link Fault#healsAfter()}); returns what was done. */
    String inject(String name) {
        log.accept("lab: " + name);
        Duration heal = FAULTS.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow().healsAfter();
        switch (name) {
            case "kill-billing" -> {
                ServiceInstances.Instance last = last(MeshService.BILLING);
                services.kill(last);
                later(heal, () -> services.start(last, log));
                return last.name() + " killed (kill -9); it starts again in " + heal.toSeconds() + " s";
            }
            case "stop-redis" -> {
                Component redis = stack.component("redis");
                redis.stop();
                later(heal, () -> stack.start(redis, log));
                return "Redis stopped; it starts again in " + heal.toSeconds() + " s";
            }
            case "pause-replica" -> {
                stack.replicaReplay("postgres-0-replica", true);
                later(heal, () -> stack.replicaReplay("postgres-0-replica", false));
                return "postgres-0-replica's replay paused; it resumes in " + heal.toSeconds() + " s";
            }
            case "scale-out-billing" -> {
                int running = running(MeshService.BILLING);
                if (running >= 3) {
                    throw new IllegalStateException("billing-service already runs 3 instances");
                }
                services.up(Map.of(MeshService.BILLING, running + 1), log);
                return "billing-service-" + running + " started: " + (running + 1) + " instances share the partitions";
            }
            case "scale-in-billing" -> {
                int running = running(MeshService.BILLING);
                if (running <= 1) {
                    throw new IllegalStateException("billing-service runs one instance; it is not stopped");
                }
                ServiceInstances.Instance last = last(MeshService.BILLING);
                services.stop(last);
                return last.name() + " stopped: " + (running - 1) + " left";
            }
            default -> throw new IllegalArgumentException(name);
        }
    }

    private int running(MeshService service) {
        int n = 0;
        while (n < 10 && services.pid(services.instance(service, n)).isPresent()) {
            n++;
        }
        return n;
    }

    private ServiceInstances.Instance last(MeshService service) {
        int running = running(service);
        if (running == 0) {
            throw new IllegalStateException(service.id() + " is not running");
        }
        return services.instance(service, running - 1);
    }

    /** Heals after a while; a heal still pending when the agent closes runs then, so the stack is left whole. */
    private void later(Duration after, Runnable heal) {
        Runnable once = new Runnable() {
            private final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public void run() {
                if (!done.compareAndSet(false, true)) {
                    return;
                }
                pending.remove(this);
                try {
                    heal.run();
                } catch (RuntimeException e) {
                    log.accept("lab: healing failed: " + e.getMessage());
                }
            }
        };
        pending.add(once);
        healer.schedule(once, after.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void answer(HttpExchange exchange, int status, String summary) throws IOException {
        byte[] json = ("{\"summary\":" + jsonString(summary) + "}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, json.length);
        exchange.getResponseBody().write(json);
        exchange.close();
    }

    /** A JSON string (RFC 8259 §7): the devstack has no JSON library, and a failure's message can hold newlines and quotes. */
    static String jsonString(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : String.valueOf(text).toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

    @Override
    public void close() {
        server.stop(0);
        healer.shutdownNow();
        List.copyOf(pending).forEach(Runnable::run); // a paused replica resumed, a stopped Redis started: nothing left broken
    }

    private static final String MARKER = "io.scalemesh.devstack.LabAgent";

    private static Path pidFile(StackSettings settings) {
        return settings.stateDir().resolve("services/lab-agent.pid");
    }

    /** Starts the agent as a process of its own (./mesh up), unless one runs; its log is logs/lab-agent.log. */
    public static void spawn(StackSettings settings, Consumer<String> progress) {
        if (Processes.alivePid(pidFile(settings), MARKER).isPresent()) {
            return;
        }
        Ports.requireFree(settings.labAgentPort(), "lab agent", settings.envName("lab-agent.port"));
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), MARKER, settings.profile().id());
        Process process = Processes.spawn(command, settings.stateDir().resolve("logs/lab-agent.log"), Map.of());
        Processes.writePid(pidFile(settings), process.pid());
        progress.accept("lab agent on port " + settings.labAgentPort() + " (the lab's faults and scaling)");
    }

    public static void stopProcess(StackSettings settings) {
        Processes.alivePid(pidFile(settings), MARKER).ifPresent(pid -> Processes.terminate(pid, Duration.ofSeconds(5)));
    }

    /** {@code LabAgent PROFILE}: the agent as a process of its own, as {@code ./mesh up} starts it. */
    public static void main(String[] args) throws Exception {
        DevStack stack = DevStack.of(StackSettings.Profile.of(args.length > 0 ? args[0] : "dev"));
        LabAgent agent = start(stack, new ServiceInstances(stack), line -> System.out.println(java.time.LocalTime.now() + " " + line));
        System.out.println("lab agent on " + StackSettings.HOST + ":" + stack.settings().labAgentPort());
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close));
        Thread.currentThread().join();
    }
}
