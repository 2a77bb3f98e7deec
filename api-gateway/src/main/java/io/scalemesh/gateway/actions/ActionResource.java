package io.scalemesh.gateway.actions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.SchemaProperty;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestHeader;

import io.quarkus.security.Authenticated;
import io.scalemesh.events.EventData;
import io.scalemesh.events.EventEnvelope;
import io.scalemesh.events.EventIds;
import io.scalemesh.events.EventTypes;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.gateway.GatewaySettings;
import io.scalemesh.gateway.idempotency.IdempotencyKeys;
import io.scalemesh.gateway.ratelimit.RateLimitFilter;
import io.scalemesh.gateway.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Accepts user actions and answers 202 once Kafka holds them. */
@Path("/api/v1")
@Authenticated
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ActionResource {

    @Inject
    GatewaySettings settings;

    private static final String SOURCE = "/api-gateway";

    @Inject
    JsonWebToken token;

    @Inject
    ActionPublisher publisher;

    @Inject
    IdempotencyKeys idempotency;

    @Inject
    RateLimitFilter rateLimit;







    public record Accepted(String eventId) {
    }

    /** The body of an action, as documented (ActionRequest validates it). */
    @Schema(name = "UserAction", requiredProperties = "type")
    record UserActionBody(
            @Schema(description = "One of mesh.gateway.action-types, e.g. purchase, signup, subscribe, export") String type,
            @Schema(description = "The action's data: nested at most mesh.gateway.max-json-depth levels, strings of at most"
                    + " mesh.gateway.max-attribute-chars") Map<String, Object> attributes) {
    }

    public record BatchAccepted(List<String> eventIds) {
    }

    @POST
    @Path("/actions")
    @RequestBody(required = true, description = "Validated by ActionRequest: every bad field is named in one 400",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UserActionBody.class)))
    @APIResponse(responseCode = "202", description = "The broker has the action",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Accepted.class)))
    public Uni<Response> publish(String body, @RestHeader(IdempotencyKeys.HEADER) String idempotencyKey) {
        String user = Caller.userId(token);
        return idempotency.once(user, idempotencyKey, "/api/v1/actions", body, () -> {
            requireSize(body, settings.maxActionBytes());
            EventData.UserAction action = ActionRequest.parseOne(body, rules());
            EventEnvelope event = keyed(EventEnvelope.create(EventTypes.USER_ACTION, SOURCE, user, action.toJson()), user, idempotencyKey, 0);
            return publisher.publish(event).map(done -> Response.accepted(new Accepted(event.id())).build());
        });
    }

    @POST
    // A custom method in the style of Google's APIs. Some clients send the colon percent-encoded,
    // which Quarkus REST matches only as written, so the template takes both forms.
    @Path("/{batch: actions(?::|%3[aA])batch}")
    @RequestBody(required = true, description = "Up to mesh.gateway.max-batch-actions actions, all valid or none published",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT,
                    requiredProperties = "actions", properties = @SchemaProperty(name = "actions", type = SchemaType.ARRAY,
                            implementation = UserActionBody.class))))
    @APIResponse(responseCode = "202", description = "The broker has every action",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchAccepted.class)))
    public Uni<Response> publishBatch(String body, @RestHeader(IdempotencyKeys.HEADER) String idempotencyKey) {
        String user = Caller.userId(token);
        return idempotency.once(user, idempotencyKey, "/api/v1/actions:batch", body, () -> batch(user, body, idempotencyKey));
    }

    /**
     * With an Idempotency-Key, an action's id follows from the user, the key and its place in the
     * request: a retry after a 503, whose first attempt a broker may still have appended, publishes
     * the same id, and every consumer applies it once.
     */
    private static EventEnvelope keyed(EventEnvelope event, String user, String idempotencyKey, int index) {
        return idempotencyKey == null ? event : event.withId(EventIds.named("user-actions\n" + user + "\n" + idempotencyKey + "\n" + index));
    }

    private Uni<Response> batch(String user, String body, String idempotencyKey) {
        requireSize(body, settings.maxBatchBytes());
        List<EventData.UserAction> actions = ActionRequest.parseBatch(body, rules(), settings.maxBatchActions());
        List<EventEnvelope> events = java.util.stream.IntStream.range(0, actions.size())
                .mapToObj(i -> keyed(EventEnvelope.create(EventTypes.USER_ACTION, SOURCE, user, actions.get(i).toJson()), user, idempotencyKey, i))
                .toList();
        // The door took one token; a batch of N is N actions' worth of the caller's rate.
        return rateLimit.takeMore(user, "actions", events.size() - 1).chain(decision -> {
            if (!decision.allowed()) {
                long retryAfter = Math.max(1, (decision.retryAfter().toMillis() + 999) / 1000);
                return Uni.createFrom().failure(new ProblemException(Problem.of(429, "rate-limited", "Too many requests",
                        "a batch costs one token per action; this one needs " + events.size() + "; retry after " + retryAfter + " s"),
                        Map.of("Retry-After", Long.toString(retryAfter))));
            }
            return publishAll(events);
        });
    }

    private Uni<Response> publishAll(List<EventEnvelope> events) {
        // Sent in order through one producer: per-user order holds inside the batch too.
        List<Uni<Boolean>> sends = events.stream()
                .map(event -> publisher.publish(event).map(done -> true).onFailure().recoverWithItem(false))
                .toList();
        return Uni.join().all(sends).andFailFast().map(outcomes -> {
            List<String> durable = new ArrayList<>();
            for (int i = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i)) {
                    durable.add(events.get(i).id());
                }
            }
            if (durable.size() == events.size()) {
                return Response.accepted(new BatchAccepted(durable)).build();
            }
            // Say exactly which events are durable, so a client retries only the rest.
            throw new ProblemException(Problem.unavailable((events.size() - durable.size()) + " of " + events.size()
                    + " actions were not acknowledged by the event broker; acceptedEventIds lists the durable ones")
                    .withExtensions(Map.of("acceptedEventIds", durable)), Map.of("Retry-After", "5"));
        });
    }

    private ActionRequest.Rules rules() {
        return new ActionRequest.Rules(settings.actionTypes(), settings.maxJsonDepth(), settings.maxAttributeChars());
    }

    private static void requireSize(String body, int maxBytes) {
        // Characters never outnumber bytes, so only long bodies pay for counting bytes.
        if (body != null && body.length() > maxBytes / 4 && body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxBytes) {
            throw new ProblemException(Problem.tooLarge("the body is over " + maxBytes + " bytes"));
        }
    }
}
