package io.scalemesh.service.http;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import jakarta.ws.rs.core.Response;

/**
 * An RFC 7807 problem: what every 4xx/5xx of the mesh carries, as {@code application/problem+json}.
 * {@code type} names the kind of problem (stable, documented), {@code detail} this occurrence;
 * {@code errors} lists field-level validation failures.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors,
        Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_BASE = "https://scalemesh.dev/problems/";

    public record FieldError(String field, String message) {
    }

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem(TYPE_BASE + slug, title, status, detail, null, null, null);
    }

    public Problem withErrors(List<FieldError> fieldErrors) {
        return new Problem(type, title, status, detail, instance, fieldErrors, extensions);
    }

    public Problem withExtensions(Map<String, Object> more) {
        return new Problem(type, title, status, detail, instance, errors, more);
    }

    public Problem withInstance(String path) {
        return new Problem(type, title, status, detail, path, errors, extensions);
    }

    public Response.ResponseBuilder toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this);
    }

    // The mesh's problem kinds, so a client can switch on `type`.

    public static Problem badRequest(String detail) {
        return of(400, "invalid-request", "The request is invalid", detail);
    }

    public static Problem validation(List<FieldError> errors) {
        return of(400, "validation", "The request body failed validation",
                errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message() : errors.size() + " fields are invalid")
                .withErrors(errors);
    }

    public static Problem malformedJson(String detail) {
        return of(400, "malformed-json", "The body is not valid JSON", detail);
    }

    public static Problem unauthorized(String detail) {
        return of(401, "unauthorized", "Authentication is required", detail);
    }

    public static Problem forbidden(String detail) {
        return of(403, "forbidden", "Not allowed", detail);
    }

    public static Problem notFound(String detail) {
        return of(404, "not-found", "Not Found", detail);
    }

    public static Problem tooLarge(String detail) {
        return of(413, "payload-too-large", "The body is too large", detail);
    }

    public static Problem unavailable(String detail) {
        return of(503, "unavailable", "Temporarily unavailable", detail);
    }
}
