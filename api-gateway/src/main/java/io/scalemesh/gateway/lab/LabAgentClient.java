package io.scalemesh.gateway.lab;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The devstack's lab agent (mesh-devstack's LabAgent), when {@code mesh.lab.agent-url} names one:
 * the faults and scaling the gateway cannot do itself, and which instances the devstack started.
 */
@ApplicationScoped
public class LabAgentClient {

    @Inject
    LabSettings settings;

    @Inject
    Vertx vertx;

    @Inject
    ObjectMapper json;

    private volatile HttpClient client;

    boolean available() {
        return settings.agentUrl().isPresent();
    }

    /** Asks the agent for a fault; its answer's summary, or a problem saying why not. */
    Uni<Map<String, Object>> fault(String name) {
        return call(HttpMethod.POST, "/faults/" + name).map(body -> {
            try {
                return json.readValue(body, new TypeReference<Map<String, Object>>() { });
            } catch (java.io.IOException e) {
                throw new ProblemException(Problem.of(502, "lab-agent", "The lab agent answered nonsense", body));
            }
        });
    }

    /** Blocking (the figures' sampler thread): every instance the devstack started, by service; empty without an agent or an answer. */
    Optional<Map<String, List<String>>> instances() {
        if (!available()) {
            return Optional.empty();
        }
        try {
            String body = call(HttpMethod.GET, "/instances").await().atMost(java.time.Duration.ofSeconds(2));
            return Optional.of(json.readValue(body, new TypeReference<Map<String, List<String>>>() { }));
        } catch (RuntimeException | java.io.IOException e) {
            return Optional.empty();
        }
    }

    private Uni<String> call(HttpMethod method, String path) {
        java.net.URI agent = java.net.URI.create(settings.agentUrl().orElseThrow(() -> new ProblemException(
                Problem.notFound("this gateway has no lab agent (only ./mesh up starts one)"))));
        RequestOptions options = new RequestOptions().setMethod(method).setHost(agent.getHost()).setPort(agent.getPort()).setURI(path)
                .setTimeout(120_000).putHeader("X-Lab-Agent-Secret", settings.agentSecret().orElse(""));
        return http().request(options).chain(request -> request.send()).chain(response -> response.body().map(body -> {
            if (response.statusCode() != 200) {
                String detail;
                try {
                    detail = json.readTree(body.toString()).path("summary").asText(body.toString());
                } catch (java.io.IOException e) {
                    detail = body.toString();
                }
                throw new ProblemException(Problem.of(response.statusCode() == 409 ? 409 : 502, "lab-agent", "The lab agent refused", detail));
            }
            return body.toString();
        }));
    }

    private HttpClient http() {
        if (client == null) {
            client = vertx.createHttpClient();
        }
        return client;
    }
}
