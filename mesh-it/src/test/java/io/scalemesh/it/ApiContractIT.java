package io.scalemesh.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.scalemesh.devstack.DevStack;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.MeshService;
import io.scalemesh.devstack.ServiceInstances;
import io.scalemesh.devstack.TestStack;
import io.scalemesh.devstack.Tokens;

/**
 * What /q/openapi documents is what the mesh serves: the gateway documents exactly its backends'
 * routes under each of its prefixes, every documented method answers through the gateway, every
 * other method on a documented path is refused with 405, and every operation documents its
 * problem responses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiContractIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "put", "post", "patch", "delete");
    /** The gateway's route prefixes (mesh.routes.route.*) and the service behind each. */
    private static final Map<String, MeshService> ROUTES = Map.of("profiles", MeshService.PROFILE, "tasks", MeshService.TASK,
            "notifications", MeshService.NOTIFICATION, "analytics", MeshService.ANALYTICS, "billing", MeshService.BILLING);
    private static final String ADMIN = "contract-" + UUID.randomUUID();

    private final DevStack stack = TestStack.shared();
    private final ServiceInstances services = new ServiceInstances(stack);
    private final Map<MeshService, JsonNode> documents = new EnumMap<>(MeshService.class);
    private String gateway;
    private String token;

    @BeforeAll
    void startTheMesh() throws Exception {
        Map<MeshService, Integer> one = new EnumMap<>(MeshService.class);
        for (MeshService service : MeshService.values()) {
            one.put(service, 1);
        }
        services.up(one, line -> System.out.println("[mesh] " + line));
        gateway = "http://127.0.0.1:" + services.instance(MeshService.API_GATEWAY, 0).port();
        token = Tokens.signedWith(JwtKeys.of(stack.settings())).subject(ADMIN).admin(true).sign();
        for (MeshService service : MeshService.values()) {
            String document = given().get(services.instance(service, 0).managementUrl() + "/q/openapi?format=json").then()
                    .statusCode(200).extract().asString();
            documents.put(service, JSON.readTree(document));
        }
    }

    @AfterAll
    void stopTheMesh() {
        services.down(line -> System.out.println("[mesh] " + line));
    }

    @Test
    void theGatewayDocumentsExactlyItsBackendsRoutes() {
        Set<String> gatewayOperations = operations(documents.get(MeshService.API_GATEWAY));
        for (Map.Entry<String, MeshService> route : ROUTES.entrySet()) {
            String prefix = "/api/v1/" + route.getKey();
            Set<String> proxied = under(gatewayOperations, prefix);
            Set<String> served = under(operations(documents.get(route.getValue())), prefix);
            assertTrue(!served.isEmpty(), route.getValue().id() + " documents its API");
            assertEquals(served, proxied, "the gateway's " + prefix + " routes are " + route.getValue().id() + "'s");
        }
        Set<String> own = new TreeSet<>(gatewayOperations);
        ROUTES.keySet().forEach(route -> own.removeAll(under(gatewayOperations, "/api/v1/" + route)));
        assertEquals(Set.of("POST /api/v1/actions", "POST /api/v1/actions:batch"), own, "the gateway's own routes");
    }

    @Test
    void everyDocumentedRouteAnswersAndEveryOtherMethodIsRefused() {
        String unknown = problemDetail(send("get", "/api/v1/tasks/" + UUID.randomUUID() + "/no/such/route"));
        JsonNode paths = documents.get(MeshService.API_GATEWAY).path("paths");
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> path = it.next();
            String concrete = path.getKey().replace("{userId}", ADMIN).replace("{id}", UUID.randomUUID().toString());
            for (String method : METHODS) {
                if (path.getKey().endsWith("/stream") && method.equals("get")) {
                    continue; // an endless event stream (notification-service's tests read it)
                }
                Response answer = send(method, concrete);
                String what = method.toUpperCase() + " " + path.getKey() + " answered " + answer.statusCode() + " " + answer.asString();
                if (path.getValue().has(method)) {
                    assertNotEquals(405, answer.statusCode(), what);
                    assertTrue(answer.statusCode() != 404 || !unknown.equals(problemDetail(answer)), "documented but not served: " + what);
                    assertTrue(answer.statusCode() < 500, what);
                } else {
                    assertEquals(405, answer.statusCode(), "served but not documented: " + what);
                }
            }
        }
    }

    @Test
    void everyOperationDocumentsItsProblemResponses() {
        for (Map.Entry<MeshService, JsonNode> document : documents.entrySet()) {
            assertTrue(document.getValue().at("/components/schemas/Problem/properties").has("detail"), document.getKey().id());
            for (Iterator<Map.Entry<String, JsonNode>> it = document.getValue().path("paths").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> path = it.next();
                for (String method : METHODS) {
                    JsonNode responses = path.getValue().path(method).path("responses");
                    if (responses.isMissingNode()) {
                        continue;
                    }
                    String what = document.getKey().id() + " " + method.toUpperCase() + " " + path.getKey();
                    for (String status : List.of("401", "503", "default")) {
                        assertEquals("#/components/schemas/Problem",
                                responses.at("/" + status + "/content/application~1problem+json/schema/$ref").asText(), what + " " + status);
                    }
                    assertTrue(responses.at("/503/headers").has("Retry-After"), what);
                }
            }
        }
        // Every answer with a body says what the body is: a schema for each success the backends document.
        for (MeshService service : ROUTES.values()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = documents.get(service).path("paths").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> path = it.next();
                for (String method : METHODS) {
                    for (Iterator<Map.Entry<String, JsonNode>> answers = path.getValue().path(method).path("responses").fields();
                            answers.hasNext();) {
                        Map.Entry<String, JsonNode> answer = answers.next();
                        String what = service.id() + " " + method.toUpperCase() + " " + path.getKey() + " " + answer.getKey();
                        if (answer.getKey().startsWith("2") && !answer.getKey().equals("204")) {
                            JsonNode content = answer.getValue().path("content");
                            assertTrue(content.size() > 0, what + " documents its body");
                            content.forEach(media -> assertTrue(media.path("schema").size() > 0, what + " has a schema"));
                        }
                    }
                }
            }
        }
        // The bodies the backends validate themselves are described with their fields.
        assertTrue(documents.get(MeshService.API_GATEWAY).at("/components/schemas/UserAction/properties").has("attributes"));
        assertTrue(documents.get(MeshService.PROFILE).at("/components/schemas/ProfileFields/properties").has("displayName"));
        assertTrue(documents.get(MeshService.TASK).at("/components/schemas/NewTask/properties").has("input"));
    }

    private Response send(String method, String path) {
        RequestSpecification request = given().header("Authorization", "Bearer " + token);
        if (!method.equals("get") && !method.equals("delete")) {
            request = request.contentType(method.equals("patch") ? "application/merge-patch+json" : "application/json").body("{}");
        }
        return request.request(method.toUpperCase(), gateway + path);
    }

    private static String problemDetail(Response answer) {
        try {
            return JSON.readTree(answer.asString()).path("detail").asText();
        } catch (Exception e) {
            return answer.asString();
        }
    }

    /** "METHOD /path" of every operation a document lists. */
    private static Set<String> operations(JsonNode document) {
        Set<String> operations = new TreeSet<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (METHODS.contains(method)) {
                operations.add(method.toUpperCase() + " " + path.getKey());
            }
        }));
        return operations;
    }

    private static Set<String> under(Set<String> operations, String prefix) {
        Set<String> matching = new TreeSet<>();
        for (String operation : operations) {
            String path = operation.substring(operation.indexOf(' ') + 1);
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                matching.add(operation);
            }
        }
        return matching;
    }
}
