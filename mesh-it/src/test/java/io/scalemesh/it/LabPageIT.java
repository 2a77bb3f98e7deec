package io.scalemesh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.LabAgent;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;

/**
 * The pattern lab in Debian's headless Chromium, driven by playwright-core
 * (api-gateway/src/main/webui/test/lab.browser.mjs): on the whole mesh, the page loads and its
 * figures update, a spike raises task-service's queue depth and the workers drain it, a replay of
 * duplicates leaves billing's charged total unchanged, and a billing instance killed from the page
 * shows down, its lag builds and drains once the devstack's agent has started it again, and a
 * replica whose replay is paused from the page shows so.
 * Screenshots: target/lab-screenshots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabPageIT {

    private static final Path WEBUI = Path.of("..", "api-gateway", "src", "main", "webui").toAbsolutePath().normalize();
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

    private final DevStack stack = TestStack.shared();
    // Workers capped, so the spike outruns them and the queue visibly absorbs it.
    private final ServiceInstances services = new ServiceInstances(stack).withEnvironment(Map.of(
            "MESH_TASK_WORKER_MAX_RATE", "200", "MESH_TASK_DEPTH_REFRESH", "0.25s"))
            .withEnvironment(LabAgent.gatewayEnvironment(stack.settings()));
    private LabAgent agent;
    private String gateway;

    @BeforeAll
    void startTheMesh() {
        Map<MeshService, Integer> one = new EnumMap<>(MeshService.class);
        for (MeshService service : MeshService.values()) {
            one.put(service, 1);
        }
        // The devstack's hands for the lab's faults, in this JVM, as ./mesh up runs it in a process of its own.
        agent = LabAgent.start(stack, services, line -> System.out.println("[agent] " + line));
        services.up(one, line -> System.out.println("[mesh] " + line));
        gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
    }

    @AfterAll
    void stopTheMesh() {
        agent.close();
        services.down(line -> System.out.println("[mesh] " + line));
    }

    @Test
    void thePageShowsTheMeshLiveAndItsControlsWork() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is missing: apt-get install chromium (./mesh test installs it)");
        assertTrue(Files.isDirectory(WEBUI.resolve("node_modules/playwright-core")),
                "playwright-core is missing from " + WEBUI + ": the gateway's build runs npm ci there");
        Path screenshots = Path.of("target", "lab-screenshots").toAbsolutePath();
        String token = Tokens.signedWith(JwtKeys.of(stack.settings())).subject("lab-it-" + System.nanoTime())
                .lifetime(Duration.ofHours(1)).sign();
        Files.createDirectories(screenshots);
        Path log = screenshots.resolve("browser.log");
        ProcessBuilder node = new ProcessBuilder("node", "test/lab.browser.mjs", gateway, screenshots.toString())
                .directory(WEBUI.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        node.environment().put("LAB_USER_TOKEN", token);
        node.environment().put("CHROMIUM", CHROMIUM.toString());
        Process run = node.start();
        assertTrue(run.waitFor(6, TimeUnit.MINUTES), "the browser test did not finish within 6 minutes");
        String checks = Files.readString(log);
        System.out.println(checks);
        assertEquals(0, run.exitValue(), "the lab's browser checks failed (screenshots in " + screenshots + "):\n"
                + checks.lines().filter(l -> l.startsWith("FAIL") || l.startsWith("lab browser test") || l.startsWith("  ")).toList());
        for (String shot : List.of("lab-loaded.png", "lab-spike.png", "lab-drained.png", "lab-duplicates.png", "lab-killed.png",
                "lab-recovered.png", "lab-replica-paused.png")) {
            assertTrue(Files.size(screenshots.resolve(shot)) > 10_000, shot + " was taken");
        }
    }
}
