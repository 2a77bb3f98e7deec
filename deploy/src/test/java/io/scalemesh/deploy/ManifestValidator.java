package io.scalemesh.deploy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.gson.JsonParser;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Ingress;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;

/**
 * Validates one rendered manifest: Kubernetes kinds against the API's own models (unknown,
 * missing and mistyped fields fail), operators' custom resources against the schemas in
 * {@code deploy/schemas/}.
 */
final class ManifestValidator {

    private static final Map<String, Class<?>> KUBERNETES = Map.of(
            "Deployment", V1Deployment.class, "Service", V1Service.class, "ConfigMap", V1ConfigMap.class,
            "Secret", V1Secret.class, "HorizontalPodAutoscaler", V2HorizontalPodAutoscaler.class,
            "PodDisruptionBudget", V1PodDisruptionBudget.class, "NetworkPolicy", V1NetworkPolicy.class, "Ingress", V1Ingress.class);
    private static final Map<String, String> CUSTOM = Map.of(
            "ScaledObject", "keda-scaledobject.json", "Kafka", "strimzi-kafka.json", "KafkaNodePool", "strimzi-kafkanodepool.json",
            "KafkaTopic", "strimzi-kafkatopic.json", "KafkaUser", "strimzi-kafkauser.json", "Cluster", "cnpg-cluster.json",
            "Database", "cnpg-database.json",
            "ServiceMonitor", "monitoring-servicemonitor.json", "PrometheusRule", "monitoring-prometheusrule.json");

    private ManifestValidator() {
    }

    /** Throws AssertionError naming the manifest and what is wrong with it. */
    static void validate(JsonNode manifest) {
        String kind = manifest.path("kind").asText();
        String name = kind + " " + manifest.path("metadata").path("name").asText();
        if (KUBERNETES.containsKey(kind)) {
            try {
                Method check = KUBERNETES.get(kind).getMethod("validateJsonElement", com.google.gson.JsonElement.class);
                check.invoke(null, JsonParser.parseString(manifest.toString()));
            } catch (InvocationTargetException e) {
                throw new AssertionError(name + " is not a valid " + kind + ": " + e.getCause().getMessage(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        } else if (CUSTOM.containsKey(kind)) {
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
                    .getSchema(Chart.read(Chart.ROOT.resolve("deploy/schemas").resolve(CUSTOM.get(kind))));
            Set<ValidationMessage> errors = schema.validate(manifest);
            if (!errors.isEmpty()) {
                throw new AssertionError(name + " does not match deploy/schemas/" + CUSTOM.get(kind) + ": " + errors);
            }
        } else {
            throw new AssertionError(name + ": no schema to check this kind against; add one to deploy/schemas/");
        }
    }
}
