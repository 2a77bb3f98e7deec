package io.scalemesh.gateway.lab;

import java.util.ArrayDeque;
import java.util.List;

import io.scalemesh.events.EventEnvelope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The latest actions this gateway published, kept only while the lab is on: what the duplicate replay sends again. */
@ApplicationScoped
public class RecentActions {

    @Inject
    LabSettings settings;

    private final ArrayDeque<EventEnvelope> recent = new ArrayDeque<>();

    public void published(EventEnvelope event) {
        if (!settings.enabled()) {
            return;
        }
        synchronized (recent) {
            if (recent.stream().anyMatch(e -> e.id().equals(event.id()))) {
                return; // a replay of one already kept
            }
            recent.addLast(event);
            while (recent.size() > settings.replayActions()) {
                recent.removeFirst();
            }
        }
    }

    List<EventEnvelope> latest() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }
}
