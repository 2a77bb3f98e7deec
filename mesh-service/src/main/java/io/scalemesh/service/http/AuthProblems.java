package io.scalemesh.service.http;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * Authentication outcomes as problem+json, at the gateway (the client's JWT) and at each backend
 * (the internal identity token). Proactive authentication is off (the services' configuration) so
 * that these reach the mappers instead of leaving an empty 401.
 */
public class AuthProblems {

    public static final String CHALLENGE = "Bearer realm=\"scalemesh\"";

    @ServerExceptionMapper
    public Response missing(UnauthorizedException e, UriInfo uri) {
        return Problem.unauthorized("a bearer token is required (Authorization: Bearer <JWT>)")
                .withInstance(uri.getPath()).toResponse().header("WWW-Authenticate", CHALLENGE).build();
    }

    @ServerExceptionMapper
    public Response invalid(AuthenticationFailedException e, UriInfo uri) {
        return Problem.unauthorized("the bearer token is invalid, expired or not issued by this mesh")
                .withInstance(uri.getPath()).toResponse()
                .header("WWW-Authenticate", CHALLENGE + ", error=\"invalid_token\"").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return Problem.forbidden("your token does not allow this").withInstance(uri.getPath()).toResponse().build();
    }
}
