package io.scalemesh.service.http;

import java.util.Map;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

/**
 * Documents, on every operation of every service, what the mesh answers besides success: an RFC
 * 7807 {@link Problem} as {@code application/problem+json}. The {@code /api} routes need a caller
 * (401), any route may be refused while a dependency is out (503 with Retry-After), and every other
 * 4xx/5xx is the same shape ({@code default}). Named in the shared {@code mp.openapi.filter}.
 */
public class ProblemResponses implements OASFilter {

    static final String SCHEMA = "Problem";
    private static final String REF = "#/components/schemas/" + SCHEMA;

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema(SCHEMA, problemSchema());
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            boolean needsCaller = path.getKey().startsWith("/api/");
            for (Operation operation : path.getValue().getOperations().values()) {
                APIResponses responses = operation.getResponses() != null ? operation.getResponses() : OASFactory.createAPIResponses();
                if (needsCaller) {
                    putIfAbsent(responses, "401", problem("No valid bearer token"));
                }
                // The security annotations' own 401/403 say no more than their reason phrase.
                for (String status : new String[] {"401", "403"}) {
                    APIResponse response = responses.getAPIResponse(status);
                    if (response != null && response.getContent() == null) {
                        response.content(problem(response.getDescription()).getContent());
                    }
                }
                if (!responses.hasAPIResponse("503")) {
                    responses.addAPIResponse("503", problem("A dependency is unavailable; retry after Retry-After seconds")
                            .addHeader("Retry-After", OASFactory.createHeader().description("Seconds to wait before retrying")
                                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))));
                }
                if (responses.getDefaultValue() == null) {
                    responses.setDefaultValue(problem("Any other error: a problem with its type, status and detail"));
                }
                operation.setResponses(responses);
            }
        }
    }

    private static void putIfAbsent(APIResponses responses, String status, APIResponse response) {
        if (!responses.hasAPIResponse(status)) {
            responses.addAPIResponse(status, response);
        }
    }

    private static APIResponse problem(String description) {
        return OASFactory.createAPIResponse().description(description).content(OASFactory.createContent()
                .addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType().schema(OASFactory.createSchema().ref(REF))));
    }

    private static Schema problemSchema() {
        Schema string = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        Schema fieldError = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .addProperty("field", string).addProperty("message", string);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 7807: type names the kind of problem (stable), detail this occurrence")
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri"))
                .addProperty("title", string)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", string)
                .addProperty("instance", string)
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY).items(fieldError))
                .addRequired("type").addRequired("title").addRequired("status");
    }
}
