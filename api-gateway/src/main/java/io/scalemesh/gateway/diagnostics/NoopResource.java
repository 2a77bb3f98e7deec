package io.scalemesh.gateway.diagnostics;


import org.eclipse.microprofile.openapi.annotations.Operation;

import io.quarkus.security.Authenticated;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.gateway.GatewaySettings;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The gateway's own ceiling, for the ingest benchmark: a POST that is authenticated and
 * rate-limited like {@code /api/v1/actions} and then does nothing (no parsing, no Kafka). The gap
 * between the two is what publishing costs. Off unless {@code mesh.gateway.noop-endpoint=true}:
 * then it answers 404 like any unknown path.
 */
@Path("/api/v1/noop")
@Authenticated
public class NoopResource {

    @Inject
    GatewaySettings settings;


    @Operation(hidden = true) // not part of the API: a benchmark's baseline, off unless enabled
    @POST
    @Consumes(MediaType.WILDCARD)
    public Response noop(String body) {
        if (!settings.noopEndpoint()) {
            throw new ProblemException(Problem.notFound("no such resource"));
        }
        return Response.accepted().build();
    }
}
