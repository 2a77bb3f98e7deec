package io.scalemesh.events.http;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * Every error a service answers becomes {@code application/problem+json}: our own problems, the
 * framework's (404, 405, 406, 415, unparsable JSON) and the unexpected, which says nothing of its
 * internals (the log has them, with the request's trace id).
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        Response.ResponseBuilder response = e.problem().withInstance(uri.getPath()).toResponse();
        e.headers().forEach(response::header);
        return response.build();
    }

    @ServerExceptionMapper
    public Response unparsableJson(JsonProcessingException e, UriInfo uri) {
        return Problem.malformedJson(e.getOriginalMessage()).withInstance(uri.getPath()).toResponse().build();
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e, uri);
        }
        String reason = e.getResponse().getStatusInfo().getReasonPhrase();
        String slug = switch (status) {
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 413 -> "payload-too-large";
            case 415 -> "unsupported-media-type";
            default -> "invalid-request";
        };
        String detail = status == 400 && e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
        Response.ResponseBuilder response = Problem.of(status, slug, reason, detail).withInstance(uri.getPath()).toResponse();
        e.getResponse().getHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Content-Type")) {
                values.forEach(v -> response.header(name, v));
            }
        });
        return response.build();
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, UriInfo uri) {
        LOG.errorf(e, "unexpected error on %s", uri.getPath());
        return Problem.of(500, "internal", "Internal error", "The request failed; the service's log has the details.")
                .withInstance(uri.getPath()).toResponse().build();
    }
}
