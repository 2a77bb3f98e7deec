package io.scalemesh.gateway.lab;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The pattern lab at {@code /lab}: off unless enabled; its API needs the admin role unless {@code open} (a devstack on loopback). */
@ConfigMapping(prefix = "mesh.lab")
public interface LabSettings {

    @WithDefault("false")
    boolean enabled();

    /** No token needed: only for a devstack whose gateway listens on loopback. */
    @WithDefault("false")
    boolean open();

    /** Where an instance's metrics are: its API port plus this (the devstack's layout) ... */
    @WithDefault("500")
    int managementPortOffset();

    /** ... or this port on the instance's address (9000 in a pod). */
    Optional<Integer> managementPort();

    /** How many sum tasks the spike control sends. */
    @WithDefault("3000")
    int spikeTasks();

    /** The devstack's lab agent (./mesh up sets it): the faults and scaling only it can do. Without it, those controls are not offered. */
    Optional<String> agentUrl();

    /** What the agent wants in X-Lab-Agent-Secret. */
    Optional<String> agentSecret();

    /** How many of the latest published actions the duplicate replay sends again. */
    @WithDefault("100")
    int replayActions();
}
