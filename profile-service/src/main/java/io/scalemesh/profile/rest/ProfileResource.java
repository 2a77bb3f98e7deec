package io.scalemesh.profile.rest;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import io.quarkus.security.Authenticated;
import io.scalemesh.events.EventData;
import io.scalemesh.profile.Profile;
import io.scalemesh.profile.ProfileService;
import io.scalemesh.profile.shard.ConsistencyToken;
import io.scalemesh.service.http.MeshIdentity;
import io.scalemesh.service.http.Problem;
import io.scalemesh.service.http.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A user's profile: the user reads and writes their own, an admin anyone's. Writes answer an
 * {@code ETag} and an {@code X-Consistency-Token}; a GET that sends the token back sees the write.
 * {@code Cache-Control: no-cache} on a GET reads past the cache.
 */
@Authenticated
@Path("/api/v1/profiles/{userId}")
@Produces(MediaType.APPLICATION_JSON)
public class ProfileResource {

    public static final String MERGE_PATCH = "application/merge-patch+json";
    /** Larger bodies are refused before parsing; the largest valid profile is about 13 KB. */
    static final int MAX_BODY_BYTES = 32 * 1024;

    @Inject
    ProfileService profiles;

    /** The caller, as the internal identity token proves it (MeshIdentity). */
    @Inject
    JsonWebToken callerToken;

    private final ObjectReader reader;

    @Inject
    public ProfileResource(ObjectMapper json) {
        // A key given twice is ambiguous: refuse it rather than keep one silently.
        this.reader = json.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    @GET
    @APIResponse(responseCode = "200", description = "The profile; its version is the ETag",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Profile.class)))
    @APIResponse(responseCode = "304", description = "Unchanged since If-None-Match")
    public Uni<Response> get(@RestPath String userId, @RestHeader(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
            @RestHeader(ConsistencyToken.HEADER) String token, @RestHeader(HttpHeaders.CACHE_CONTROL) String cacheControl) {
        authorize(userId);
        ConsistencyToken after = ConsistencyToken.parse(token);
        boolean bypass = cacheControl != null && cacheControl.toLowerCase(java.util.Locale.ROOT).contains("no-cache");
        return profiles.read(userId, after, bypass).map(document -> {
            if (document == null) {
                throw new ProblemException(Problem.notFound("no profile for " + userId));
            }
            Response.ResponseBuilder response = ETags.noneMatchHits(ifNoneMatch, document.version())
                    ? Response.notModified() : Response.ok(document.json(), MediaType.APPLICATION_JSON);
            // The caller's own data: no shared cache may keep it, and clients revalidate with If-None-Match.
            return response.tag(new jakarta.ws.rs.core.EntityTag(Long.toString(document.version())))
                    .header(HttpHeaders.CACHE_CONTROL, "private, no-cache").build();
        });
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(required = true, description = "The whole profile (ProfileInput checks it: every bad field in one 400)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ProfileInput.Document.class)))
    @APIResponse(responseCode = "200", description = "Replaced",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Profile.class)))
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Profile.class)))
    public Uni<Response> put(@RestPath String userId, String body, @RestHeader(HttpHeaders.IF_MATCH) String ifMatch,
            @RestHeader(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        authorize(userId);
        var conditions = ETags.forWrite(ifMatch, ifNoneMatch, true);
        var fields = ProfileInput.replacement(parse(body), userId);
        return profiles.replace(userId, fields, conditions).map(written -> {
            Response.ResponseBuilder response = written.created()
                    // Relative, as task-service's: created(URI) would name this instance's own address.
                    ? Response.status(Response.Status.CREATED).header(HttpHeaders.LOCATION, "/api/v1/profiles/" + userId) : Response.ok();
            return written(response.entity(written.json()).type(MediaType.APPLICATION_JSON), written);
        });
    }

    @PATCH
    @Consumes({MERGE_PATCH, MediaType.APPLICATION_JSON})
    @RequestBody(required = true, description = "An RFC 7396 merge patch of the profile: null removes a field",
            content = @Content(mediaType = MERGE_PATCH, schema = @Schema(implementation = ProfileInput.Document.class)))
    @APIResponse(responseCode = "200", description = "Changed",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Profile.class)))
    public Uni<Response> patch(@RestPath String userId, String body, @RestHeader(HttpHeaders.IF_MATCH) String ifMatch) {
        authorize(userId);
        var conditions = ETags.forWrite(ifMatch, null, false);
        JsonNode changes = parse(body);
        ProfileInput.checkPatch(changes, userId);
        return profiles.patch(userId, current -> ProfileInput.merged(current, changes, userId), conditions)
                .map(written -> written(Response.ok(written.json(), MediaType.APPLICATION_JSON), written));
    }

    @DELETE
    @APIResponse(responseCode = "204", description = "Deleted: the data is erased, the version goes on")
    public Uni<Response> delete(@RestPath String userId, @RestHeader(HttpHeaders.IF_MATCH) String ifMatch) {
        authorize(userId);
        var conditions = ETags.forWrite(ifMatch, null, false);
        return profiles.delete(userId, conditions).map(written -> written(Response.noContent(), written));
    }

    private static Response written(Response.ResponseBuilder response, ProfileService.Written written) {
        if (written.json() != null) {
            response.tag(new jakarta.ws.rs.core.EntityTag(Long.toString(written.version())));
        }
        if (written.token() != null) {
            response.header(ConsistencyToken.HEADER, written.token().toString());
        }
        return response.build();
    }

    /** A well-formed user id, and the caller is that user or an admin (checked before anything is read). */
    private void authorize(String userId) {
        MeshIdentity caller = MeshIdentity.of(callerToken);
        if (!EventData.USER_ID.matcher(userId).matches()) {
            throw new ProblemException(Problem.badRequest("'" + userId.substring(0, Math.min(userId.length(), 64))
                    + "' is not a user id: 1 to 128 of letters, digits and . _ @ -, starting with a letter or digit"));
        }
        if (!caller.userId().equals(userId) && !caller.admin()) {
            throw new ProblemException(Problem.forbidden("you can only reach your own profile"));
        }
    }

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw new ProblemException(Problem.badRequest("the body is empty; send the profile as a JSON object"));
        }
        // Characters first (cheap); a character is 1 to 4 bytes, so the exact check is rarely needed.
        if (body.length() > MAX_BODY_BYTES || body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            throw new ProblemException(Problem.tooLarge("a profile body is at most " + MAX_BODY_BYTES + " bytes"));
        }
        try {
            return reader.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProblemException(Problem.malformedJson(e.getOriginalMessage()));
        }
    }
}
