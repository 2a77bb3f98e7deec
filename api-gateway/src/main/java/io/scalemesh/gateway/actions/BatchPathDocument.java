package io.scalemesh.gateway.actions;

import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * Documents the batch endpoint at the path clients call, {@code /api/v1/actions:batch}: its
 * resource method matches a template (the colon may come percent-encoded), which OpenAPI would
 * otherwise show as {@code /api/v1/{batch}} with a parameter nobody sends.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class BatchPathDocument implements OASFilter {

    static final String TEMPLATE = "/api/v1/{batch}";
    static final String PATH = "/api/v1/actions:batch";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        PathItem item = openAPI.getPaths() == null ? null : openAPI.getPaths().getPathItem(TEMPLATE);
        if (item == null) {
            return;
        }
        openAPI.getPaths().removePathItem(TEMPLATE);
        item.setParameters(null);
        for (Operation operation : item.getOperations().values()) {
            if (operation.getParameters() != null) {
                operation.setParameters(operation.getParameters().stream().filter(parameter -> !"batch".equals(parameter.getName())).toList());
            }
        }
        openAPI.getPaths().addPathItem(PATH, item);
    }
}
