package io.scalemesh.gateway.lab;

import io.scalemesh.service.http.Problem;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The lab's page, the Vite bundle in {@code META-INF/resources/lab}: at {@code /lab} (redirected to
 * {@code /lab/}) when the lab is on, a 404 like any unknown path when it is off.
 */
@ApplicationScoped
public class LabPage {

    @Inject
    LabSettings settings;

    @Inject
    com.fasterxml.jackson.databind.ObjectMapper json;

    void register(@Observes Router router) {
        router.route("/lab").order(-100).handler(ctx -> {
            if (settings.enabled() && ctx.normalizedPath().equals("/lab")) { // Vert.x matches /lab/ here too
                ctx.response().setStatusCode(302).putHeader("Location", "/lab/").end();
            } else {
                ctx.next();
            }
        });
        router.route("/lab/*").order(-100).handler(ctx -> {
            if (settings.enabled() || ctx.normalizedPath().startsWith("/lab/api/")) {
                ctx.next(); // the API answers its own 404 when off
                return;
            }
            Problem problem = Problem.notFound("no such resource").withInstance(ctx.normalizedPath());
            try {
                ctx.response().setStatusCode(404).putHeader("Content-Type", Problem.MEDIA_TYPE).end(json.writeValueAsString(problem));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                ctx.fail(e);
            }
        });
    }
}
