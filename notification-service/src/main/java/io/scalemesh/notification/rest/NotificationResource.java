package io.scalemesh.notification.rest;

import java.util.List;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestStreamElementType;

import io.quarkus.security.Authenticated;
import io.scalemesh.service.http.MeshIdentity;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.scalemesh.notification.Notification;
import io.scalemesh.notification.store.LiveNotifications;
import io.scalemesh.notification.store.NotificationStore;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** A user's own notifications: a page newest first, or a live Server-Sent Events stream. */
@Authenticated
@Path("/api/v1/notifications")
public class NotificationResource {

    private static final int MAX_LIMIT = 100;

    /** The caller, as the internal identity token proves it (MeshIdentity). */
    @Inject
    JsonWebToken callerToken;

    @Inject
    NotificationStore store;

    @Inject
    LiveNotifications live;

    /** {@code next} is the URL of the following page, absent on the last one. */
    public record Page(List<Notification> items, String next) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Page> list(@RestQuery String before, @RestQuery String limit) {
        MeshIdentity caller = MeshIdentity.of(callerToken);
        // A String, parsed here: JAX-RS answers a failed Integer conversion with 404, not 400.
        int size = limit == null ? 20 : limit.matches("\\d{1,4}") ? Integer.parseInt(limit) : -1;
        if (size < 1 || size > MAX_LIMIT) {
            throw new ProblemException(Problem.badRequest("limit must be between 1 and " + MAX_LIMIT));
        }
        if (before != null && !before.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
            throw new ProblemException(Problem.badRequest("before must be a notification id from a previous page"));
        }
        return store.page(caller.userId(), before, size).map(items -> new Page(items,
                items.size() < size ? null : "/api/v1/notifications?limit=" + size + "&before=" + items.get(items.size() - 1).id()));
    }

    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<Notification> stream() {
        return live.of(MeshIdentity.of(callerToken).userId());
    }
}
