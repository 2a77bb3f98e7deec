package io.scalemesh.devstack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

/**
 * Real Kafka, PostgreSQL (primaries with streaming replicas) and Redis for one profile.
 *
 * <p>Idempotent by design: {@link #up} starts only what is not running, {@link #down} stops only
 * processes this devstack started (pid files plus a command-line check, so a reused pid or a
 * machine's own PostgreSQL on 5432 is never touched).
 */
public final class DevStack {

    private final StackSettings settings;
    private final List<Component> components = new ArrayList<>();

    public DevStack(StackSettings settings) {
        this.settings = settings;
        components.add(new RedisServer(settings));
        for (int server = 0; server < settings.postgresServers(); server++) {
            PostgresPrimary primary = new PostgresPrimary(settings, server);
            components.add(primary);
            components.add(new PostgresReplica(settings, primary, server));
        }
        components.add(new KafkaBroker(settings));
    }

    public static DevStack of(StackSettings.Profile profile) {
        return new DevStack(StackSettings.of(profile));
    }

    public StackSettings settings() {
        return settings;
    }

    public List<Component> components() {
        return List.copyOf(components);
    }

    public Component component(String name) {
        return components.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no devstack component '" + name + "'; there are "
                        + components.stream().map(Component::name).toList()));
    }

    /** Pauses or resumes WAL replay on a PostgreSQL server's replica (it keeps answering reads, from an older state). */
    public void replicaReplay(String replica, boolean paused) {
        if (!(component(replica) instanceof PostgresReplica r)) {
            throw new IllegalArgumentException(replica + " is not a replica; replicas: "
                    + components.stream().filter(c -> c instanceof PostgresReplica).map(Component::name).toList());
        }
        r.replay(paused);
    }

    public boolean allRunning() {
        return components.stream().allMatch(Component::running);
    }

    /** Starts every component that is not running; checks all needed ports first so nothing half-starts. */
    public void up(Consumer<String> progress) {
        List<Component> toStart = components.stream().filter(c -> !c.running()).toList();
        for (Component component : toStart) {
            for (Component.PortSetting port : component.ports()) {
                Ports.requireFree(port.port(), component.name(), port.envName());
            }
        }
        for (Component component : components) {
            if (!toStart.contains(component)) {
                progress.accept(component.name() + " already running (pid " + component.pid().getAsLong() + ")");
            }
        }
        // Side by side, each replica after its primary: one after another, the stack waited on
        // Kafka and four PostgreSQL servers in turn, twice as long.
        Map<Component, List<Component>> chains = new LinkedHashMap<>();
        for (Component component : toStart) {
            Component first = component;
            while (first.after().isPresent() && toStart.contains(first.after().get())) {
                first = first.after().get();
            }
            chains.computeIfAbsent(first, c -> new ArrayList<>()).add(component);
        }
        List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> starting = new ArrayList<>();
        for (List<Component> chain : chains.values()) {
            Thread starter = new Thread(() -> {
                try {
                    chain.forEach(component -> start(component, progress));
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }, "start-" + chain.get(0).name());
            starter.start();
            starting.add(starter);
        }
        for (Thread starter : starting) {
            try {
                starter.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the devstack was starting", e);
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    public void start(Component component, Consumer<String> progress) {
        long begin = System.nanoTime();
        synchronized (progress) {
            progress.accept(component.name() + " starting on port " + component.ports().get(0).port() + " ...");
        }
        component.start();
        synchronized (progress) {
            progress.accept(component.name() + " ready in " + seconds(begin) + " s");
        }
    }

    /** Stops what runs, in reverse order (Kafka first, replicas before their primaries). */
    public void down(Consumer<String> progress) {
        List<Component> reversed = new ArrayList<>(components);
        java.util.Collections.reverse(reversed);
        for (Component component : reversed) {
            if (component.running()) {
                long begin = System.nanoTime();
                component.stop();
                progress.accept(component.name() + " stopped in " + seconds(begin) + " s");
            }
        }
    }

    /** Deletes a stopped stack's state (data, logs, keys): the next {@code up} makes it anew. */
    public void wipe() throws java.io.IOException {
        if (components.stream().anyMatch(Component::running)) {
            throw new IllegalStateException("the " + settings.profile().id() + " stack still runs; stop it before wiping its state");
        }
        EmbeddedBinaries.deleteRecursively(settings.stateDir());
    }

    /**
     * The settings a service needs to use this stack, as Quarkus configuration keys. The services'
     * application.properties build their per-service URLs from the {@code mesh.*} keys.
     */
    public Map<String, String> connectionProperties() {
        Map<String, String> config = new LinkedHashMap<>();
        settings.kafkaClientConfig().forEach((key, value) -> config.put("kafka." + key, value));
        config.put("quarkus.redis.hosts", settings.redisUrl());
        config.put("mesh.postgres.url", settings.postgresUrl(0));
        config.put("mesh.postgres.replica-url", settings.postgresReplicaUrl(0));
        for (int server = 1; server < settings.postgresServers(); server++) {
            // The sharded profile store spreads over every server: mesh.postgres.url-1, ...
            config.put("mesh.postgres.url-" + server, settings.postgresUrl(server));
            config.put("mesh.postgres.replica-url-" + server, settings.postgresReplicaUrl(server));
        }
        config.put("mesh.postgres.ca-certificates", PostgresTls.caCertificate(settings).toString());
        config.put("quarkus.datasource.username", StackSettings.DB_USER);
        config.put("quarkus.datasource.password", StackSettings.DB_PASSWORD);
        config.put("mesh.jwt.public-key-location", JwtKeys.of(settings).publicKeyFile().toString());
        config.put("mesh.identity.keys-dir", IdentityKeys.dir(settings).toString());
        return config;
    }

    /** The same settings as environment variables, for a service started as a process. */
    public Map<String, String> connectionEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        connectionProperties().forEach((key, value) ->
                env.put(key.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), value));
        return env;
    }

    static String seconds(long beginNanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - beginNanos) / 1e9);
    }
}
