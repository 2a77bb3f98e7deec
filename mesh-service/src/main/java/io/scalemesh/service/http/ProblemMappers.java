package io.scalemesh.service.http;

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
        if (dependencyUnavailable(e)) {
            // An outage of what the service depends on is the client's to retry, not a bug: the
            // chaos drills found PostgreSQL restarts and broker outages answered 500.
            LOG.warnf("a dependency is unavailable on %s: %s", uri.getPath(), e);
            return Problem.unavailable("a service this request needs is unavailable; nothing was changed, retry later")
                    .withInstance(uri.getPath()).toResponse().header("Retry-After", "2").build();
        }
        LOG.errorf(e, "unexpected error on %s", uri.getPath());
        return Problem.of(500, "internal", "Internal error", "The request failed; the service's log has the details.")
                .withInstance(uri.getPath()).toResponse().build();
    }

    /**
     * A refused, reset or closed connection, a timeout, or PostgreSQL saying it is shutting down, starting
     * up or has no connection for us (SQLSTATE classes 08 and 57P): anywhere in the cause chain.
     */
    static boolean dependencyUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.SocketException || t instanceof java.nio.channels.ClosedChannelException
                    || t instanceof io.smallrye.mutiny.TimeoutException || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof io.vertx.core.http.ConnectionPoolTooBusyException
                    // By name: the gateway has no SQL client on its class path.
                    || is(t, "io.vertx.sqlclient.ClosedConnectionException")) {
                return true;
            }
            String sqlState = is(t, "io.vertx.sqlclient.DatabaseException") ? sqlState(t) : null;
            if (sqlState != null && (sqlState.startsWith("08") || sqlState.startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean is(Throwable t, String className) {
        for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(className)) {
                return true;
            }
        }
        return false;
    }

    private static String sqlState(Throwable t) {
        try {
            return (String) t.getClass().getMethod("getSqlState").invoke(t);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
