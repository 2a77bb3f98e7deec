package io.scalemesh.devstack;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * What {@code ./mesh} runs once the build is fresh:
 * <pre>
 *   up [--infra-only] [--scale SERVICE=N]...   start the devstack, then the services
 *   down                                       stop the services, then the devstack
 *   status                                     every piece: state, port, pid, memory
 *   infra start|stop|kill|freeze|thaw COMPONENT   one devstack component (fault drills);
 *   infra pause-replay|resume-replay REPLICA      and a replica's WAL replay
 * </pre>
 * Every command takes {@code --profile dev|test|e2e} (default dev).
 */
public final class MeshCli {

    /** Tasks per second per task-service instance under ./mesh up (MESH_TASK_WORKER_MAX_RATE overrides, 0 = no cap). */
    static final String LAB_WORKER_RATE = "200";

    private final PrintStream out;
    private final Consumer<String> progress;

    MeshCli(PrintStream out) {
        this.out = out;
        this.progress = line -> out.println("  ▸ " + line);
    }

    public static void main(String[] args) {
        try {
            new MeshCli(System.out).run(new ArrayList<>(List.of(args)));
        } catch (Down e) {
            System.exit(1);
        } catch (IllegalArgumentException | IllegalStateException | java.util.NoSuchElementException e) {
            System.err.println("mesh: " + e.getMessage());
            System.exit(2);
        }
    }

    void run(List<String> args) {
        StackSettings.Profile profile = StackSettings.Profile.DEV;
        int at = args.indexOf("--profile");
        if (at >= 0) {
            if (at + 1 >= args.size()) {
                throw new IllegalArgumentException("--profile needs one of dev, test, e2e, bench");
            }
            profile = StackSettings.Profile.of(args.get(at + 1));
            args.remove(at + 1);
            args.remove(at);
        }
        if (args.isEmpty()) {
            throw new IllegalArgumentException("usage: mesh up|down|status|infra ... (see ./mesh help)");
        }
        DevStack stack = DevStack.of(profile);
        ServiceInstances services = new ServiceInstances(stack);
        String command = args.remove(0);
        switch (command) {
            case "up" -> up(stack, services, args);
            case "down" -> {
                out.println("Stopping the " + profile.id() + " mesh");
                LabAgent.stopProcess(stack.settings());
                services.down(progress);
                stack.down(progress);
                out.println("Stopped.");
            }
            case "status" -> {
                if (status(stack, services) > 0) {
                    throw new Down();
                }
            }
            case "infra" -> infra(stack, args);
            case "token" -> token(stack, args);
            case "identity-keys" -> identityKeys(args);
            default -> throw new IllegalArgumentException("unknown command '" + command + "'");
        }
    }

    private void up(DevStack stack, ServiceInstances services, List<String> args) {
        boolean infraOnly = args.remove("--infra-only");
        Map<MeshService, Integer> scale = new EnumMap<>(MeshService.class);
        for (MeshService service : MeshService.values()) {
            scale.put(service, 1);
        }
        String otlp = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String spec;
            if (arg.equals("--otlp") && i + 1 < args.size()) {
                otlp = args.get(++i);
                continue;
            } else if (arg.startsWith("--otlp=")) {
                otlp = arg.substring("--otlp=".length());
                continue;
            } else if (arg.equals("--scale") && i + 1 < args.size()) {
                spec = args.get(++i);
            } else if (arg.startsWith("--scale=")) {
                spec = arg.substring("--scale=".length());
            } else {
                throw new IllegalArgumentException("unknown option '" + arg + "' for up");
            }
            String[] parts = spec.split("=", 2);
            if (parts.length != 2 || !parts[1].matches("[1-9]\\d?")) {
                throw new IllegalArgumentException("--scale takes SERVICE=N with N from 1 to 99, e.g. --scale profile-service=2");
            }
            scale.put(MeshService.of(parts[0]), Integer.parseInt(parts[1]));
        }
        if (otlp != null) {
            if (!otlp.matches("https?://[^\\s/]+(:\\d+)?/?")) {
                throw new IllegalArgumentException("--otlp takes a collector's URL, e.g. http://localhost:4317 (OTLP/gRPC) or :4318 (OTLP/HTTP)");
            }
            // Jaeger and OpenTelemetry collectors listen for OTLP/gRPC on 4317 and OTLP/HTTP on 4318.
            services.withEnvironment(Map.of("QUARKUS_OTEL_SDK_DISABLED", "false", "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT", otlp,
                    "QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL", otlp.matches(".*:4318/?") ? "http/protobuf" : "grpc"));
            out.println("Traces go to " + otlp + " (services already running keep their settings: ./mesh down first).");
        }
        long begin = System.nanoTime();
        out.println("Infrastructure (" + stack.settings().profile().id() + ", state in " + stack.settings().stateDir() + ")");
        stack.up(progress);
        if (infraOnly) {
            out.println("Infrastructure ready in " + DevStack.seconds(begin) + " s.");
            return;
        }
        out.println("Services");
        LabAgent.spawn(stack.settings(), progress);
        services.withEnvironment(LabAgent.gatewayEnvironment(stack.settings()));
        // Workers at a steady pace, so the lab's spike shows the queue absorbing what they cannot take at once.
        services.withEnvironment(Map.of("MESH_TASK_WORKER_MAX_RATE", System.getenv().getOrDefault("MESH_TASK_WORKER_MAX_RATE", LAB_WORKER_RATE)));
        services.up(scale, progress);
        out.println();
        out.println("scalemesh is up in " + DevStack.seconds(begin) + " s.");
        for (MeshService service : MeshService.values()) {
            ServiceInstances.Instance first = services.instance(service, 0);
            out.printf(Locale.ROOT, "  %-21s http://localhost:%d   health and metrics: http://localhost:%d/q%n",
                    service.id(), first.port(), first.managementPort());
        }
        int gateway = services.instance(MeshService.API_GATEWAY, 0).managementPort();
        out.println();
        out.println("Try it:");
        out.println("  curl -s http://localhost:" + gateway + "/q/health/ready");
        out.println("  ./mesh status        ./mesh logs api-gateway        ./mesh down");
    }

    /** status found a piece down: exit 1 (not 2, a usage error), after the table. */
    static final class Down extends RuntimeException {
        Down() {
            super(null, null, false, false);
        }
    }

    private int status(DevStack stack, ServiceInstances services) {
        out.printf(Locale.ROOT, "%-24s %-5s %-7s %-8s %9s%n", "NAME", "STATE", "PORT", "PID", "RSS(MiB)");
        long totalKib = 0;
        int down = 0;
        for (Component component : stack.components()) {
            OptionalLong pid = component.pid();
            totalKib += row(component.name(), pid, component.ports().get(0).port());
            down += pid.isPresent() ? 0 : 1;
        }
        for (ServiceInstances.Instance instance : services.known()) {
            OptionalLong pid = services.pid(instance);
            totalKib += row(instance.name(), pid, instance.port());
            down += pid.isPresent() ? 0 : 1;
        }
        out.printf(Locale.ROOT, "%-24s %-5s %-7s %-8s %9.0f%n", "total", down == 0 ? "up" : down + " down", "", "", totalKib / 1024.0);
        return down;
    }

    private long row(String name, OptionalLong pid, int port) {
        long kib = pid.isPresent() ? Processes.memoryKib(pid.getAsLong()) : 0;
        out.printf(Locale.ROOT, "%-24s %-5s %-7d %-8s %9s%n", name, pid.isPresent() ? "up" : "down", port,
                pid.isPresent() ? Long.toString(pid.getAsLong()) : "-",
                pid.isPresent() ? String.format(Locale.ROOT, "%.0f", kib / 1024.0) : "-");
        return kib;
    }

    /**
     * Prints a signed token for the profile's gateway: {@code token USER [--admin] [--ttl MINUTES]
     * [--key PKCS8_PEM]}; {@code --key} signs with another key, e.g. a Helm release's.
     */
    private void token(DevStack stack, List<String> args) {
        boolean admin = args.remove("--admin");
        JwtKeys keys = null;
        int key = args.indexOf("--key");
        if (key >= 0) {
            if (key + 1 >= args.size()) {
                throw new IllegalArgumentException("--key takes a PKCS#8 PEM file");
            }
            keys = JwtKeys.signingWith(java.nio.file.Path.of(args.get(key + 1)));
            args.remove(key + 1);
            args.remove(key);
        }
        java.time.Duration lifetime = java.time.Duration.ofHours(1);
        int ttl = args.indexOf("--ttl");
        if (ttl >= 0) {
            if (ttl + 1 >= args.size() || !args.get(ttl + 1).matches("[1-9]\\d{0,5}")) {
                throw new IllegalArgumentException("--ttl takes minutes, e.g. --ttl 30");
            }
            lifetime = java.time.Duration.ofMinutes(Long.parseLong(args.get(ttl + 1)));
            args.remove(ttl + 1);
            args.remove(ttl);
        }
        if (args.size() != 1 || !args.get(0).matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")) {
            throw new IllegalArgumentException("usage: mesh token USER [--admin] [--ttl MINUTES] [--key PKCS8_PEM]; USER is letters, digits and ._@-");
        }
        out.println(Tokens.signedWith(keys != null ? keys : JwtKeys.of(stack.settings())).subject(args.get(0)).admin(admin).lifetime(lifetime).sign());
    }

    /** {@code identity-keys DIR}: the internal identity keys and JWKS files for a cluster's Secret. */
    private void identityKeys(List<String> args) {
        if (args.size() != 1) {
            throw new IllegalArgumentException("usage: mesh identity-keys DIR");
        }
        java.nio.file.Path dir = IdentityKeys.in(java.nio.file.Path.of(args.get(0)).toAbsolutePath());
        out.println("Internal identity keys in " + dir + ". Make the chart's Secret from them:");
        out.println("  kubectl create secret generic scalemesh-identity --from-file=" + dir);
    }

    private void infra(DevStack stack, List<String> args) {
        if (args.size() != 2) {
            throw new IllegalArgumentException("usage: mesh infra start|stop|kill|freeze|thaw|pause-replay|resume-replay COMPONENT (components: "
                    + stack.components().stream().map(Component::name).toList() + ")");
        }
        Component component = stack.component(args.get(1));
        switch (args.get(0)) {
            case "start" -> {
                if (component.running()) {
                    progress.accept(component.name() + " already running");
                } else {
                    component.ports().forEach(p -> Ports.requireFree(p.port(), component.name(), p.envName()));
                    stack.start(component, progress);
                }
            }
            case "stop" -> {
                if (component.running()) {
                    component.stop();
                }
                progress.accept(component.name() + " stopped");
            }
            case "kill" -> {
                component.kill();
                progress.accept(component.name() + " killed");
            }
            case "freeze", "thaw" -> {
                component.freeze(args.get(0).equals("freeze"));
                progress.accept(component.name() + (args.get(0).equals("freeze") ? " frozen (SIGSTOP)" : " thawed (SIGCONT)"));
            }
            case "pause-replay", "resume-replay" -> {
                stack.replicaReplay(component.name(), args.get(0).equals("pause-replay"));
                progress.accept(component.name() + (args.get(0).equals("pause-replay") ? " replay paused" : " replay resumed"));
            }
            default -> throw new IllegalArgumentException("infra takes start, stop, kill, freeze, thaw, pause-replay or resume-replay, not '"
                    + args.get(0) + "'");
        }
    }
}
