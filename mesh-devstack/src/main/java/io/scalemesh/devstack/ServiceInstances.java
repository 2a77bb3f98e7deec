package io.scalemesh.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/** Runs the services' packaged jars as processes: start, wait for readiness, list, stop. */
public final class ServiceInstances {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final StackSettings settings;
    private final DevStack stack;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Map<String, String> extraEnvironment = new HashMap<>();
    private final List<String> extraJavaOptions = new ArrayList<>();

    public ServiceInstances(DevStack stack) {
        this.stack = stack;
        this.settings = stack.settings();
    }

    /** Settings (environment variables) for every instance started from now on, e.g. a system test's limits. */
    public ServiceInstances withEnvironment(Map<String, String> environment) {
        extraEnvironment.putAll(environment);
        return this;
    }

    /** JVM options added to the profile's own for every instance started from now on. */
    public ServiceInstances withJavaOptions(String... options) {
        extraJavaOptions.addAll(List.of(options));
        return this;
    }

    /**
     * Where an instance serves health, metrics and OpenAPI: its API port + this (each service's
     * quarkus.management.port says the same). Not +1000: the test profile's second task-service
     * instance would then take the dev Kafka's port.
     */
    public static final int MANAGEMENT_OFFSET = 500;

    /** One running (or expected) instance of a service. */
    public record Instance(MeshService service, int index, int port, Path pidFile, Path log, String marker) {
        public String name() {
            return service.id() + "-" + index;
        }

        /** Health, metrics and OpenAPI: the management port. */
        public int managementPort() {
            return port + MANAGEMENT_OFFSET;
        }

        public String managementUrl() {
            return "http://" + StackSettings.HOST + ":" + managementPort();
        }
    }

    /** The management URL (health, metrics) of the instance whose API is at {@code http://host:port}. */
    public static String managementOf(String apiUrl) {
        URI api = URI.create(apiUrl);
        return api.getScheme() + "://" + api.getHost() + ":" + (api.getPort() + MANAGEMENT_OFFSET);
    }

    public Instance instance(MeshService service, int index) {
        Path dir = settings.stateDir().resolve("services");
        String name = service.id() + "-" + index;
        return new Instance(service, index, service.port(settings, index), dir.resolve(name + ".pid"),
                settings.stateDir().resolve("logs").resolve(name + ".log"),
                // Only marks the process as ours (the pid check reads it); a name no service reads as
                // configuration: as -Dmesh.instance it outranked MESH_INSTANCE, and task-service's
                // workers named themselves after this path.
                "-Dmesh.process=" + settings.stateDir().resolve(name));
    }

    public OptionalLong pid(Instance instance) {
        return Processes.alivePid(instance.pidFile(), instance.marker());
    }

    /** Starts the missing instances of the given services (service → instance count), then waits until each answers ready. */
    public void up(Map<MeshService, Integer> instances, Consumer<String> progress) {
        List<Instance> wanted = new ArrayList<>();
        for (MeshService service : MeshService.values()) {
            for (int i = 0; i < instances.getOrDefault(service, 0); i++) {
                wanted.add(instance(service, i));
            }
        }
        List<Instance> toStart = wanted.stream().filter(i -> pid(i).isEmpty()).toList();
        for (Instance instance : toStart) {
            if (!Files.isRegularFile(instance.service().runnerJar(settings))) {
                throw new IllegalStateException(instance.service().runnerJar(settings) + " is missing; build with ./mvnw package -DskipTests");
            }
            Ports.requireFree(instance.port(), instance.name(), settings.envName(instance.service().id() + ".port")
                    + " (instance i listens on that port + 10*i)");
            Ports.requireFree(instance.managementPort(), instance.name() + " management", settings.envName(instance.service().id() + ".port")
                    + " (the management port is the service's port + " + MANAGEMENT_OFFSET + ")");
        }
        // Launch all, then wait: on two cores the JVMs start faster side by side than one by one.
        Map<Instance, Process> started = new HashMap<>();
        for (Instance instance : toStart) {
            started.put(instance, launch(instance, wanted));
            progress.accept(instance.name() + " starting on port " + instance.port() + " ...");
        }
        long begin = System.nanoTime();
        for (Instance instance : wanted) {
            if (!started.containsKey(instance)) {
                progress.accept(instance.name() + " already running (pid " + pid(instance).getAsLong() + ")");
                continue;
            }
            awaitReady(instance, started.get(instance));
            progress.accept(instance.name() + " ready (" + DevStack.seconds(begin) + " s since launch)");
        }
    }

    private Process launch(Instance instance, List<Instance> all) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        String javaOpts = settings.value("java-opts", "-Xms32m -Xmx256m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError");
        command.addAll(List.of(javaOpts.trim().split("\\s+")));
        command.addAll(extraJavaOptions);
        command.add(instance.marker());
        Path jar = instance.service().runnerJar(settings);
        Path archive = jar.resolveSibling("app-cds.jsa");
        // The build's AppCDS archive starts the JVM faster; it names the jar as the build ran it,
        // relative to quarkus-app/, so the JVM runs there.
        Path directory = Files.isRegularFile(archive) ? jar.getParent() : null;
        if (directory != null) {
            command.add("-XX:SharedArchiveFile=" + archive);
        }
        command.add("-jar");
        command.add(directory != null ? jar.getFileName().toString() : jar.toString());
        Map<String, String> env = new HashMap<>(stack.connectionEnvironment());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(instance.port()));
        env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(instance.managementPort()));
        env.put("MESH_INSTANCE", instance.name());
        env.put("QUARKUS_OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=" + instance.name()); // which instance a span came from
        env.put("MESH_STATE_DIR", settings.stateDir().toString());
        // The jars run in the prod profile, which logs JSON for a collector; people read ./mesh logs.
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        // The pattern lab at the gateway's /lab, without a token: a devstack listens on loopback only.
        env.put("MESH_LAB_ENABLED", "true");
        env.put("MESH_LAB_OPEN", "true");
        env.putAll(extraEnvironment);
        for (MeshService service : MeshService.values()) {
            // Every instance of every service, for the gateway's load balancer; a service not started
            // here is expected where its first instance would listen.
            List<String> addresses = all.stream().filter(i -> i.service() == service)
                    .map(i -> StackSettings.HOST + ":" + i.port()).toList();
            env.put("MESH_INSTANCES_" + service.name(), addresses.isEmpty()
                    ? StackSettings.HOST + ":" + instance(service, 0).port() : String.join(",", addresses));
        }
        Process process = Processes.spawn(command, instance.log(), env, directory);
        Processes.writePid(instance.pidFile(), process.pid());
        return process;
    }

    private void awaitReady(Instance instance, Process process) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!ready(instance)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(instance.name() + " exited while starting; last lines of "
                        + instance.log() + ":\n" + Processes.tail(instance.log(), 25));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(instance.name() + " was not ready within " + READY_TIMEOUT
                        + "; last lines of " + instance.log() + ":\n" + Processes.tail(instance.log(), 25));
            }
            KafkaBroker.sleepQuietly(200);
        }
    }

    /** SIGKILL, as a crash: no shutdown hooks, no offset commits, no goodbyes to the broker. */
    public void kill(Instance instance) {
        pid(instance).ifPresent(Processes::kill);
    }

    /** SIGSTOP or SIGCONT: a frozen instance holds its connections and its group membership until the broker's session timeout. */
    public void freeze(Instance instance, boolean frozen) {
        pid(instance).ifPresent(pid -> Processes.freeze(pid, frozen));
    }

    public void stop(Instance instance) {
        pid(instance).ifPresent(pid -> Processes.terminate(pid, Duration.ofSeconds(20)));
    }

    /** Starts one instance again (after kill or stop) and waits until it is ready. */
    public void start(Instance instance, Consumer<String> progress) {
        up(Map.of(instance.service(), instance.index() + 1), progress);
    }

    public boolean ready(Instance instance) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(instance.managementUrl() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Every instance this profile started (it has a pid file), running or not. */
    public List<Instance> known() {
        List<Instance> known = new ArrayList<>();
        for (MeshService service : MeshService.values()) {
            for (int i = 0; Files.exists(instance(service, i).pidFile()); i++) {
                known.add(instance(service, i));
            }
        }
        return known;
    }

    /**
     * Stops every instance this profile started, all at once: each takes seconds to stop
     * gracefully (consumers leave their groups, pools drain), which one after another added up to
     * half a minute for six.
     */
    public void down(Consumer<String> progress) {
        List<Thread> stopping = new ArrayList<>();
        for (Instance instance : known()) {
            Thread stopper = new Thread(() -> {
                OptionalLong pid = pid(instance);
                if (pid.isPresent()) {
                    long begin = System.nanoTime();
                    Processes.terminate(pid.getAsLong(), Duration.ofSeconds(20));
                    synchronized (progress) {
                        progress.accept(instance.name() + " stopped in " + DevStack.seconds(begin) + " s");
                    }
                }
                try {
                    Files.deleteIfExists(instance.pidFile());
                } catch (IOException e) {
                    // a stale pid file is harmless: the command-line check ignores it
                }
            }, "stop-" + instance.name());
            stopper.start();
            stopping.add(stopper);
        }
        boolean interrupted = false;
        for (Thread stopper : stopping) {
            while (stopper.isAlive()) {
                try {
                    stopper.join();
                } catch (InterruptedException e) {
                    interrupted = true; // finish stopping what was started; say so afterwards
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
