package io.scalemesh.gateway.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.scalemesh.service.http.Problem;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Answers a proxied request with a problem, or resets it once the backend's answer has begun. */
@ApplicationScoped
class ProxyProblems {

    @Inject
    ObjectMapper json;

    void answer(RoutingContext ctx, Problem problem) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        ctx.request().resume();
        try {
            HttpServerResponse response = ctx.response().setStatusCode(problem.status())
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
            if (problem.status() == 401) {
                response.putHeader("WWW-Authenticate", "Bearer realm=\"scalemesh\"");
            }
            response.end(json.writeValueAsString(problem.withInstance(ctx.request().path())));
        } catch (JsonProcessingException e) {
            ctx.response().setStatusCode(500).end();
        }
    }
}
