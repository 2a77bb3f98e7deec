package io.scalemesh.gateway.lab;

import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.quarkus.security.identity.SecurityIdentity;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The pattern lab's API; its page is the static bundle at {@code /lab/}. Off (404) unless
 * {@code mesh.lab.enabled}; the admin role is needed unless {@code mesh.lab.open}.
 */
@Path("/lab/api")
@Produces(MediaType.APPLICATION_JSON)
public class LabResource {

    @Inject
    LabSettings settings;

    @Inject
    SecurityIdentity identity;

    @Inject
    MeshFigures figures;

    @Inject
    LabControls controls;

    @Operation(hidden = true) // not part of the API: the lab page's own calls
    @GET
    @Path("/figures")
    @Blocking // the first call of a minute scrapes every instance before it answers
    public Map<String, Object> figures() {
        allowed();
        return figures.latest();
    }

    @Operation(hidden = true) // not part of the API: the lab page's own calls
    @POST
    @Path("/controls/{name}")
    @Blocking // the identity check resolves the token (lazy authentication); the control itself runs on event loops
    public Uni<Map<String, Object>> control(@PathParam("name") String name) {
        allowed();
        return controls.run(name);
    }

    private void allowed() {
        if (!settings.enabled()) {
            throw new ProblemException(Problem.notFound("no such resource"));
        }
        if (settings.open()) {
            return;
        }
        if (identity.isAnonymous()) {
            throw new ProblemException(Problem.unauthorized("the lab needs an admin's bearer token (./mesh token NAME --admin)"));
        }
        if (!identity.hasRole("admin")) {
            throw new ProblemException(Problem.forbidden("the lab needs the admin role"));
        }
    }
}
