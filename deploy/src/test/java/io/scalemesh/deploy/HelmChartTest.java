package io.scalemesh.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;

import io.scalemesh.deploy.Chart.Values;
import io.scalemesh.devstack.JwtKeys;
import io.scalemesh.devstack.Tokens;

/** The chart with real Helm and no cluster: lint, render, validate, and what was rendered. */
class HelmChartTest {

    static final Set<String> SERVICES = Set.of("api-gateway", "profile-service", "task-service", "notification-service",
            "analytics-service", "billing-service");
    static final Set<String> STANDARD_LABELS = Set.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
            "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/version",
            "app.kubernetes.io/managed-by", "helm.sh/chart");

    @ParameterizedTest
    @EnumSource(Values.class)
    void lintsCleanInStrictMode(Values values) throws Exception {
        LintResult result = new Helm(Chart.withValues(values)).lint().strict().call();
        assertFalse(result.isFailed(), () -> "helm lint --strict: " + result.getMessages());
    }

    @ParameterizedTest
    @EnumSource(Values.class)
    void everyRenderedManifestIsValidForItsApi(Values values) {
        List<ObjectNode> manifests = Chart.render(values, Map.of());
        assertTrue(manifests.size() > 20, "a whole mesh renders: " + manifests.size());
        manifests.forEach(ManifestValidator::validate);
    }

    @ParameterizedTest
    @EnumSource(Values.class)
    void everyDeploymentHasProbesResourcesLabelsAndALockedDownContainer(Values values) {
        List<ObjectNode> manifests = Chart.render(values, Map.of());
        Set<String> services = Chart.ofKind(manifests, "Service").stream().map(s -> s.at("/metadata/name").asText())
                .collect(Collectors.toSet());
        for (ObjectNode deployment : Chart.ofKind(manifests, "Deployment")) {
            String name = deployment.at("/metadata/name").asText();
            assertTrue(labels(deployment.at("/metadata/labels")).containsAll(STANDARD_LABELS), name + " labels");
            assertTrue(labels(deployment.at("/spec/template/metadata/labels")).containsAll(STANDARD_LABELS), name + " pod labels");
            assertTrue(services.contains(name), name + " has a Service of the same name");
            if (SERVICES.contains(name) && !name.equals("api-gateway")) {
                assertTrue(services.contains(name + "-pods"), name + " has a headless Service for the gateway's discovery");
            }
            JsonNode container = deployment.at("/spec/template/spec/containers/0");
            assertFalse(container.at("/resources/requests/cpu").isMissingNode(), name + " requests CPU");
            assertFalse(container.at("/resources/limits/memory").isMissingNode(), name + " limits memory");
            assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean(), name + " read-only root");
            assertEquals(false, container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true), name);
            assertTrue(deployment.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean(), name + " non-root");
            if (SERVICES.contains(name)) {
                assertEquals("/q/health/started", container.at("/startupProbe/httpGet/path").asText(), name);
                assertEquals("/q/health/live", container.at("/livenessProbe/httpGet/path").asText(), name);
                assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText(), name);
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    assertEquals("management", container.at("/" + probe + "/httpGet/port").asText(), name + " " + probe);
                }
            } else {
                assertNotNull(container.get("readinessProbe"), name + " readiness");
                assertNotNull(container.get("livenessProbe"), name + " liveness");
            }
        }
        Set<String> deployments = Chart.ofKind(manifests, "Deployment").stream().map(d -> d.at("/metadata/name").asText())
                .collect(Collectors.toSet());
        assertTrue(deployments.containsAll(SERVICES), "all six services: " + deployments);
    }

    @ParameterizedTest
    @EnumSource(Values.class)
    void autoscalersTargetExistingDeploymentsAndNoServiceHasTwo(Values values) {
        List<ObjectNode> manifests = Chart.render(values, Map.of());
        Set<String> deployments = Chart.ofKind(manifests, "Deployment").stream().map(d -> d.at("/metadata/name").asText())
                .collect(Collectors.toSet());
        Map<String, String> scaledBy = new HashMap<>();
        for (ObjectNode hpa : Chart.ofKind(manifests, "HorizontalPodAutoscaler")) {
            assertEquals("Deployment", hpa.at("/spec/scaleTargetRef/kind").asText());
            String target = hpa.at("/spec/scaleTargetRef/name").asText();
            assertTrue(deployments.contains(target), "HPA targets " + target);
            assertEquals(null, scaledBy.put(target, "HPA"), target + " scaled twice");
            assertTrue(hpa.at("/spec/minReplicas").asInt() >= 2, "an autoscaled service keeps at least two replicas");
        }
        for (ObjectNode scaled : Chart.ofKind(manifests, "ScaledObject")) {
            String target = scaled.at("/spec/scaleTargetRef/name").asText();
            assertTrue(deployments.contains(target), "ScaledObject targets " + target);
            assertEquals(null, scaledBy.put(target, "KEDA"), target + " scaled by an HPA and KEDA at once");
            JsonNode trigger = scaled.at("/spec/triggers/0/metadata");
            assertEquals(target, trigger.path("consumerGroup").asText(), "the lag of the service's own consumer group");
        }
        for (ObjectNode deployment : Chart.ofKind(manifests, "Deployment")) {
            boolean autoscaled = scaledBy.containsKey(deployment.at("/metadata/name").asText());
            assertEquals(autoscaled, deployment.at("/spec/replicas").isMissingNode(),
                    "an autoscaled Deployment leaves replicas to its scaler: " + deployment.at("/metadata/name").asText());
        }
        if (values == Values.PRODUCTION) {
            assertEquals(Set.of("task-service", "notification-service", "analytics-service", "billing-service"),
                    Chart.ofKind(manifests, "ScaledObject").stream().map(s -> s.at("/metadata/name").asText()).collect(Collectors.toSet()));
            assertEquals(Set.of("api-gateway", "profile-service"), Chart.ofKind(manifests, "HorizontalPodAutoscaler").stream()
                    .map(s -> s.at("/metadata/name").asText()).collect(Collectors.toSet()));
            assertEquals(6, Chart.ofKind(manifests, "PodDisruptionBudget").size());
        }
    }

    @Test
    void kedaMayNotScaleAConsumerPastThePartitionCount() {
        IllegalStateException tooMany = assertThrows(IllegalStateException.class, () -> Chart.render(Values.PRODUCTION,
                Map.of("services.billing-service.keda.maxReplicas", 13)));
        assertTrue(tooMany.getMessage().contains("exceeds kafka.partitions (12)"), tooMany.getMessage());
    }

    @Test
    void serviceNamesDoNotDependOnTheReleaseName() {
        for (String release : List.of("scalemesh", "prod-eu-1")) {
            List<ObjectNode> manifests = Chart.render(release, Values.DEFAULTS, Map.of());
            Set<String> names = Chart.ofKind(manifests, "Service").stream().map(s -> s.at("/metadata/name").asText())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(List.of("api-gateway", "profile-service", "task-service", "notification-service",
                    "analytics-service", "billing-service", "redis", "profile-service-pods", "task-service-pods",
                    "notification-service-pods", "analytics-service-pods", "billing-service-pods")), names, "release " + release);
        }
    }

    @Test
    void networkPoliciesAllowExactlyTheMeshPaths() {
        List<ObjectNode> manifests = Chart.render(Values.PRODUCTION, Map.of());
        ObjectNode deny = Chart.named(manifests, "NetworkPolicy", "scalemesh-default-deny");
        assertEquals(2, deny.at("/spec/policyTypes").size());
        assertTrue(deny.at("/spec/ingress").isMissingNode() && deny.at("/spec/egress").isMissingNode(), "deny allows nothing");

        Set<String> calls = new TreeSet<>();
        for (String service : SERVICES) {
            ObjectNode policy = Chart.named(manifests, "NetworkPolicy", service);
            for (JsonNode rule : policy.at("/spec/ingress")) {
                List<String> ports = new java.util.ArrayList<>();
                rule.path("ports").forEach(p -> ports.add(p.path("port").asText()));
                if (rule.path("from").isMissingNode()) {
                    calls.add("anyone -> " + service + " " + ports);
                }
                for (JsonNode peer : rule.path("from")) {
                    String caller = peer.at("/podSelector/matchLabels/app.kubernetes.io~1name").asText();
                    if (!caller.isEmpty()) {
                        calls.add(caller + " -> " + service + " " + ports);
                    } else {
                        calls.add("namespace " + peer.at("/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText()
                                + " -> " + service + " " + ports);
                    }
                }
            }
            Set<Integer> egressPorts = new TreeSet<>();
            policy.at("/spec/egress").forEach(rule -> rule.path("ports").forEach(p -> egressPorts.add(p.path("port").asInt())));
            assertTrue(egressPorts.contains(53), service + " resolves names");
            assertTrue(egressPorts.contains(4317), service + " sends traces");
        }
        Set<String> expected = new TreeSet<>(List.of("anyone -> api-gateway [http]",
                "api-gateway -> profile-service [http]", "api-gateway -> task-service [http]", "api-gateway -> notification-service [http]",
                "api-gateway -> analytics-service [http]", "api-gateway -> billing-service [http]", "task-service -> analytics-service [http]"));
        // Prometheus reaches the management port (metrics) only, and nobody else does.
        SERVICES.forEach(s -> expected.add("namespace monitoring -> " + s + " [management]"));
        assertEquals(expected, calls, "who may call whom, on which port");

        Set<Integer> billingEgress = new TreeSet<>();
        Chart.named(manifests, "NetworkPolicy", "billing-service").at("/spec/egress")
                .forEach(rule -> rule.path("ports").forEach(p -> billingEgress.add(p.path("port").asInt())));
        assertEquals(Set.of(53, 9092, 5432, 4317), billingEgress, "billing reaches Kafka, PostgreSQL, DNS and the collector only");
    }

    @Test
    void securityIsOnByDefault() {
        List<ObjectNode> manifests = Chart.render(Values.DEFAULTS, Map.of());
        assertFalse(Chart.ofKind(manifests, "NetworkPolicy").isEmpty(), "NetworkPolicy on by default");
        for (ObjectNode secret : Chart.ofKind(manifests, "Secret")) {
            secret.path("data").fieldNames().forEachRemaining(key -> assertFalse(key.contains("private"),
                    secret.at("/metadata/name").asText() + " holds a private key the chart made"));
        }
        assertEquals(Set.of("/api"), paths(Chart.render(Values.PRODUCTION, Map.of())), "the Ingress routes /api only");
        ObjectNode monitor = Chart.named(Chart.render(Values.DEFAULTS, Map.of("serviceMonitor.enabled", true)), "ServiceMonitor", "scalemesh");
        assertEquals("management", monitor.at("/spec/endpoints/0/port").asText(), "metrics are scraped on the management port");

        Map<String, Set<String>> identityFiles = new HashMap<>();
        for (String service : SERVICES) {
            ObjectNode deployment = Chart.named(manifests, "Deployment", service);
            JsonNode container = deployment.at("/spec/template/spec/containers/0");
            Map<String, String> env = new HashMap<>();
            container.path("env").forEach(var -> env.put(var.path("name").asText(), var.path("value").asText()));
            assertEquals("0.0.0.0", env.get("QUARKUS_HTTP_HOST"), service + " listens only on loopback in its pod");
            assertEquals("9000", env.get("QUARKUS_MANAGEMENT_PORT"), service + " serves health and metrics on a port of its own");
            for (JsonNode volume : deployment.at("/spec/template/spec/volumes")) {
                if (volume.path("name").asText().equals("identity")) {
                    assertEquals("scalemesh-identity", volume.at("/secret/secretName").asText());
                    Set<String> files = new TreeSet<>();
                    volume.at("/secret/items").forEach(item -> files.add(item.path("key").asText()));
                    identityFiles.put(service, files);
                }
            }
            String config = Chart.named(manifests, "ConfigMap", service + "-config").at("/data/application.properties").asText();
            assertTrue(config.contains("kafka.security.protocol=SASL_SSL") && config.contains("username=\"" + service + "\""),
                    service + " logs in to Kafka as itself over TLS: " + config);
        }
        assertEquals(Set.of("api-gateway.pem"), identityFiles.get("api-gateway"), "the gateway holds its signing key only");
        assertEquals(Set.of("task-service.pem", "gateway.jwks.json"), identityFiles.get("task-service"));
        assertEquals(Set.of("gateway-and-tasks.jwks.json"), identityFiles.get("analytics-service"));
        assertEquals(Set.of("gateway.jwks.json"), identityFiles.get("billing-service"), "a backend holds no private key");

        ObjectNode kafka = Chart.named(manifests, "Kafka", "scalemesh");
        assertEquals(1, kafka.at("/spec/kafka/listeners").size());
        assertTrue(kafka.at("/spec/kafka/listeners/0/tls").asBoolean(), "TLS only");
        assertEquals("scram-sha-512", kafka.at("/spec/kafka/listeners/0/authentication/type").asText());
        assertEquals("simple", kafka.at("/spec/kafka/authorization/type").asText());
        ObjectNode gatewayUser = Chart.named(manifests, "KafkaUser", "api-gateway");
        Set<String> gatewayGrants = new TreeSet<>();
        gatewayUser.at("/spec/authorization/acls").forEach(acl -> gatewayGrants.add(acl.at("/resource/type").asText() + " "
                + acl.at("/resource/name").asText("") + " " + acl.path("operations")));
        assertEquals(Set.of("cluster  [\"IdempotentWrite\"]", "topic user-actions [\"Write\",\"Describe\"]"), gatewayGrants,
                "the gateway may write user actions and nothing else");
        assertEquals(SERVICES.size(), Chart.ofKind(manifests, "KafkaUser").size(), "one KafkaUser per service");
    }

    @Test
    void postgresIsVerifiedTlsWithEachServersOwnCa() {
        List<ObjectNode> manifests = Chart.render(Values.DEFAULTS, Map.of());
        Map<String, String> expectedCas = Map.of("profile-service", "/deployments/postgres-ca/s0.crt,/deployments/postgres-ca/s1.crt",
                "task-service", "/deployments/postgres-ca/s0.crt", "notification-service", "/deployments/postgres-ca/s0.crt",
                "billing-service", "/deployments/postgres-ca/s0.crt");
        for (String service : SERVICES) {
            String config = Chart.named(manifests, "ConfigMap", service + "-config").at("/data/application.properties").asText();
            JsonNode volumes = Chart.named(manifests, "Deployment", service).at("/spec/template/spec/volumes");
            JsonNode caVolume = null;
            for (JsonNode volume : volumes) {
                if (volume.path("name").asText().equals("postgres-ca")) {
                    caVolume = volume;
                }
            }
            if (!expectedCas.containsKey(service)) {
                assertFalse(config.contains("ssl-mode"), service + " has no database: " + config);
                assertEquals(null, caVolume, service + " mounts no database CA");
                continue;
            }
            assertTrue(config.contains("quarkus.datasource.reactive.postgresql.ssl-mode=verify-full"), service + ": " + config);
            assertTrue(config.contains("mesh.postgres.ca-certificates=" + expectedCas.get(service) + "\n"), service + ": " + config);
            Map<String, String> mounted = new TreeMap<>();
            caVolume.at("/projected/sources").forEach(source -> source.at("/secret/items").forEach(item -> {
                assertEquals("ca.crt", item.path("key").asText(), "only the CA's certificate, never its key");
                mounted.put(item.path("path").asText(), source.at("/secret/name").asText());
            }));
            assertEquals(service.equals("profile-service")
                    ? Map.of("s0.crt", "scalemesh-pg-s0-ca", "s1.crt", "scalemesh-pg-s1-ca")
                    : Map.of("s0.crt", "scalemesh-pg-s0-ca"), mounted, service + " trusts its servers' CloudNativePG CAs");
        }

        // An external server: its CA is named, or the chart says what is missing.
        Map<String, Object> external = new HashMap<>(Map.of("postgres.cloudnativepg.enabled", false, "postgres.existingSecret", "pg-login"));
        for (int i = 0; i < 2; i++) {
            // --set replaces a list whole: each server in full.
            external.put("postgres.servers[" + i + "].name", "s" + i);
            external.put("postgres.servers[" + i + "].shards", i == 0 ? "0-31" : "32-63");
            external.put("postgres.servers[" + i + "].host", "pg" + i + ".db.example");
        }
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> Chart.render(Values.DEFAULTS, external));
        assertTrue(missing.getMessage().contains("caSecret"), missing.getMessage());
        Map<String, Object> named = new HashMap<>(external);
        named.put("postgres.servers[0].caSecret", "pg0-ca");
        named.put("postgres.servers[1].caSecret", "pg1-ca");
        JsonNode source = Chart.named(Chart.render(Values.DEFAULTS, named), "Deployment", "billing-service")
                .at("/spec/template/spec/volumes").findValue("projected").at("/sources/0/secret");
        assertEquals("pg0-ca", source.path("name").asText());
        Map<String, Object> plain = new HashMap<>(external);
        plain.put("postgres.sslMode", "disable");
        String task = Chart.named(Chart.render(Values.DEFAULTS, plain), "ConfigMap", "task-service-config")
                .at("/data/application.properties").asText();
        assertTrue(task.contains("ssl-mode=disable") && task.contains("trust-certificate-pem=false"), task);
    }

    private static Set<String> paths(List<ObjectNode> manifests) {
        Set<String> paths = new TreeSet<>();
        for (ObjectNode ingress : Chart.ofKind(manifests, "Ingress")) {
            ingress.at("/spec/rules").forEach(rule -> rule.at("/http/paths").forEach(path -> paths.add(path.path("path").asText())));
        }
        return paths;
    }

    @Test
    void theValuesSchemaRejectsAnUnknownOrMistypedKey() {
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("replicaCount", 3),
                Map.of("services.api-gateway.replicaz", 2), Map.of("kafka.partitions", "many"),
                Map.of("services.profile-service.uses[0]", "mongodb"), Map.of("global.otlp.samplingRatio", 2))) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Chart.render(Values.DEFAULTS, bad),
                    "accepted " + bad);
            assertTrue(refused.getMessage().contains("schema"), refused.getMessage());
        }
    }

    @Test
    void theValidatorCatchesATypoInAField() {
        ObjectNode deployment = Chart.named(Chart.render(Values.DEFAULTS, Map.of()), "Deployment", "profile-service");
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0")).put("imagePullPolcy", "Always");
        AssertionError typo = assertThrows(AssertionError.class, () -> ManifestValidator.validate(deployment));
        assertTrue(typo.getMessage().contains("imagePullPolcy"), typo.getMessage());

        ObjectNode scaled = Chart.named(Chart.render(Values.PRODUCTION, Map.of()), "ScaledObject", "task-service");
        ((ObjectNode) scaled.at("/spec/triggers/0/metadata")).put("lagThreshold", 100); // KEDA takes strings only
        assertThrows(AssertionError.class, () -> ManifestValidator.validate(scaled));
    }

    @Test
    void eachServiceIsWiredToItsInfrastructure() {
        List<ObjectNode> manifests = Chart.render(Values.DEFAULTS, Map.of());
        String profile = Chart.named(manifests, "ConfigMap", "profile-service-config").at("/data/application.properties").asText();
        assertTrue(profile.contains("kafka.bootstrap.servers=scalemesh-kafka-bootstrap:9093"), profile);
        assertTrue(profile.contains("quarkus.redis.hosts=redis://${REDIS_USERNAME}:${REDIS_PASSWORD}@redis:6379"), profile);
        assertTrue(profile.contains("mesh.profile.db.server-names=s0,s1"), profile);
        assertTrue(profile.contains("mesh.profile.db.servers.s0.primary=postgresql://scalemesh-pg-s0-rw:5432/profile"), profile);
        assertTrue(profile.contains("mesh.profile.db.servers.s1.replicas=postgresql://scalemesh-pg-s1-ro:5432/profile"), profile);
        assertTrue(profile.contains("mesh.profile.db.servers.s1.shards=32-63"), profile);
        assertTrue(profile.contains("quarkus.otel.sdk.disabled=true"), profile);
        String gateway = Chart.named(manifests, "ConfigMap", "api-gateway-config").at("/data/application.properties").asText();
        // The gateway finds every ready pod of a backend through its headless Service.
        assertTrue(gateway.contains("mesh.instances.profile=dns:profile-service-pods:8081"), gateway);
        assertTrue(gateway.contains("mesh.instances.billing=dns:billing-service-pods:8085"), gateway);
        ObjectNode headless = Chart.named(manifests, "Service", "profile-service-pods");
        assertEquals("None", headless.at("/spec/clusterIP").asText());
        assertEquals(false, headless.at("/spec/publishNotReadyAddresses").asBoolean(true), "only ready pods are found");
        assertTrue(gateway.contains("mesh.jwt.public-key-location=/deployments/jwt/public.pem"), gateway);
        String task = Chart.named(manifests, "ConfigMap", "task-service-config").at("/data/application.properties").asText();
        assertTrue(task.contains("mesh.instances.analytics=analytics-service:8084"), task);
        assertTrue(task.contains("mesh.postgres.url=postgresql://scalemesh-pg-s0-rw:5432"), task);
        assertEquals(2, Chart.ofKind(manifests, "Cluster").size(), "one CloudNativePG cluster per server");
        for (ObjectNode cluster : Chart.ofKind(manifests, "Cluster")) {
            assertEquals("2GB", cluster.at("/spec/postgresql/parameters/max_wal_size").asText(), cluster.toString());
            assertEquals("lz4", cluster.at("/spec/postgresql/parameters/wal_compression").asText(), cluster.toString());
            assertEquals("10s", cluster.at("/spec/postgresql/parameters/autovacuum_naptime").asText(), cluster.toString());
        }
        assertEquals(8, Chart.ofKind(manifests, "KafkaTopic").size(), "four topics and their DLQs");

        String traced = Chart.named(Chart.render(Values.PRODUCTION, Map.of()), "ConfigMap", "billing-service-config")
                .at("/data/application.properties").asText();
        assertTrue(traced.contains("quarkus.otel.exporter.otlp.endpoint=http://jaeger-collector.observability.svc:4317"), traced);
        assertTrue(traced.contains("quarkus.otel.traces.sampler.arg=0.1"), traced);
        assertTrue(traced.contains("kafka.bootstrap.servers=kafka-bootstrap.kafka.svc:9092"), traced);
    }

    @Test
    void secretsAreGeneratedNeverDefaultedAndExistingOnesAreUsed() {
        List<ObjectNode> manifests = Chart.render(Values.DEFAULTS, Map.of("global.jwt.generate", true));
        ObjectNode jwt = Chart.named(manifests, "Secret", "scalemesh-jwt");
        String publicPem = new String(Base64.getDecoder().decode(jwt.at("/data/public.pem").asText()));
        assertTrue(publicPem.startsWith("-----BEGIN CERTIFICATE-----"), "a generated key pair's certificate");
        ObjectNode postgres = Chart.named(manifests, "Secret", "scalemesh-postgres");
        String password = new String(Base64.getDecoder().decode(postgres.at("/data/password").asText()));
        assertEquals(32, password.length());
        assertFalse(password.equals(new String(Base64.getDecoder().decode(Chart.named(Chart.render(Values.DEFAULTS,
                Map.of()), "Secret", "scalemesh-postgres").at("/data/password").asText()))), "random per install, not a default");

        List<ObjectNode> external = Chart.render(Values.PRODUCTION, Map.of());
        assertTrue(Chart.ofKind(external, "Secret").isEmpty(), "existing Secrets are used, none made");
        JsonNode env = Chart.named(external, "Deployment", "billing-service").at("/spec/template/spec/containers/0/env");
        boolean fromSecret = false;
        for (JsonNode var : env) {
            if (var.path("name").asText().equals("QUARKUS_DATASOURCE_PASSWORD")) {
                assertEquals("scalemesh-postgres", var.at("/valueFrom/secretKeyRef/name").asText());
                fromSecret = true;
            }
        }
        assertTrue(fromSecret, "the database password comes from the Secret");
    }

    @Test
    void theReleasesGeneratedKeySignsTokensItsCertificateVerifies() throws Exception {
        ObjectNode jwt = Chart.named(Chart.render(Values.DEFAULTS, Map.of("global.jwt.generate", true)), "Secret", "scalemesh-jwt");
        Path dir = Files.createTempDirectory("release-jwt");
        Path rsa = Files.write(dir.resolve("private.pem"),
                Base64.getDecoder().decode(jwt.at("/data/private.pem").asText()));
        Path pkcs8 = dir.resolve("jwt-private.pem");
        // The conversion NOTES.txt tells the user to run.
        Process openssl = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", rsa.toString(), "-out", pkcs8.toString())
                .redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes());
        assertEquals(0, openssl.waitFor(), output);

        String token = Tokens.signedWith(JwtKeys.signingWith(pkcs8)).subject("alice").sign();
        Certificate certificate = CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(Base64.getDecoder().decode(jwt.at("/data/public.pem").asText())));
        String[] parts = token.split("\\.");
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify(certificate.getPublicKey());
        rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertTrue(rs256.verify(Base64.getUrlDecoder().decode(parts[2])), "the certificate verifies the token");
    }

    @Test
    void theDashboardAndTheAlertsShipWithTheChart() throws Exception {
        List<ObjectNode> manifests = Chart.render(Values.PRODUCTION, Map.of());
        JsonNode dashboard = new ObjectMapper().readTree(
                Chart.named(manifests, "ConfigMap", "scalemesh-dashboard").at("/data/scalemesh.json").asText());
        assertEquals("scalemesh-overview", dashboard.path("uid").asText());
        assertTrue(dashboard.path("panels").size() >= 8, "ingest, consumption, lag, DLQ, cache, queue, p99, errors");
        for (JsonNode panel : dashboard.path("panels")) {
            assertTrue(panel.path("targets").size() > 0 && !panel.at("/targets/0/expr").asText().isBlank(), panel.path("title").asText());
        }
        Set<String> alerts = new TreeSet<>();
        Chart.named(manifests, "PrometheusRule", "scalemesh").at("/spec/groups/0/rules").forEach(r -> alerts.add(r.path("alert").asText()));
        assertEquals(Set.of("ScalemeshConsumerLagGrowing", "ScalemeshDeadLetters", "ScalemeshHighErrorRate", "ScalemeshReadinessFlapping"),
                alerts);
        assertTrue(Chart.ofKind(Chart.render(Values.DEFAULTS, Map.of()), "PrometheusRule").isEmpty(), "off unless asked for");
    }

    @Test
    void everyAlertLinksToItsSectionOfTheRunbook() throws Exception {
        String runbook = Files.readString(Chart.DIR.resolve("RUNBOOK.md"));
        JsonNode rules = Chart.named(Chart.render(Values.PRODUCTION, Map.of("prometheusRule.runbookUrl", "https://wiki.example/runbook")),
                "PrometheusRule", "scalemesh").at("/spec/groups/0/rules");
        assertEquals(4, rules.size());
        for (JsonNode rule : rules) {
            String alert = rule.path("alert").asText();
            assertEquals("https://wiki.example/runbook#" + alert.toLowerCase(java.util.Locale.ROOT),
                    rule.at("/annotations/runbook_url").asText(), alert);
            assertTrue(runbook.contains("\n## " + alert + "\n"), "RUNBOOK.md has a section for " + alert);
        }
    }

    @Test
    void customResourcesUseTheOperatorsCurrentApis() {
        List<ObjectNode> manifests = Chart.render(Values.DEFAULTS, Map.of());
        for (String kind : List.of("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser")) {
            Chart.ofKind(manifests, kind).forEach(resource -> assertEquals("kafka.strimzi.io/v1", resource.path("apiVersion").asText(), kind));
        }
        assertTrue(Chart.named(manifests, "Kafka", "scalemesh").at("/metadata/annotations").isMissingNode(),
                "KRaft with node pools is Strimzi's only mode: no annotations ask for it");
        // The databases beside server 0's profile store are CloudNativePG Database resources, not init SQL.
        Map<String, String> databases = new TreeMap<>();
        Chart.ofKind(manifests, "Database").forEach(db -> databases.put(db.at("/spec/name").asText(), db.at("/spec/cluster/name").asText()));
        String first = Chart.ofKind(manifests, "Cluster").get(0).at("/metadata/name").asText();
        assertEquals(Map.of("billing", first, "notification", first, "task", first), databases);
        Chart.ofKind(manifests, "Cluster").forEach(cluster ->
                assertTrue(cluster.at("/spec/bootstrap/initdb/postInitSQL").isMissingNode(), cluster.toString()));
    }

    @Test
    void aMissingOperatorApiFailsTheReleaseNamingTheOperator() {
        // helm template serves no custom resource API: with the check on, it fails as an install on such a cluster does.
        Map<String, Object> externalKafka = Map.of(Chart.CHECK_OPERATOR_APIS, true, "kafka.strimzi.enabled", false,
                "kafka.bootstrapServers", "kafka:9092");
        Map<String, Object> externalPostgres = Map.of(Chart.CHECK_OPERATOR_APIS, true, "postgres.cloudnativepg.enabled", false,
                "postgres.existingSecret", "pg", "postgres.servers[0].name", "s0", "postgres.servers[0].shards", "0-63",
                "postgres.servers[0].host", "pg", "postgres.servers[0].caSecret", "pg-ca");
        Map<String, Object> external = new HashMap<>(externalKafka);
        external.putAll(externalPostgres);

        assertMissing(externalPostgres, "kafka.strimzi.enabled needs the kafka.strimzi.io/v1 API", "Strimzi");
        assertMissing(externalKafka, "postgres.cloudnativepg.enabled needs the postgresql.cnpg.io/v1 API", "CloudNativePG");
        Map<String, Object> monitored = new HashMap<>(external);
        monitored.put("serviceMonitor.enabled", true);
        assertMissing(monitored, "serviceMonitor.enabled needs the monitoring.coreos.com/v1 API", "Prometheus Operator");
        Map<String, Object> scaled = new HashMap<>(external);
        scaled.put("services.billing-service.keda.enabled", true);
        assertMissing(scaled, "services.billing-service.keda.enabled needs the keda.sh/v1alpha1 API", "KEDA");
        // Without operators' resources the same check passes.
        assertTrue(Chart.ofKind(Chart.render(Values.DEFAULTS, external), "Deployment").size() >= SERVICES.size());
    }

    private static void assertMissing(Map<String, Object> sets, String message, String operator) {
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> Chart.render(Values.DEFAULTS, sets));
        assertTrue(missing.getMessage().contains(message) && missing.getMessage().contains(operator), missing.getMessage());
    }

    private static Set<String> labels(JsonNode labels) {
        Set<String> names = new TreeSet<>();
        labels.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
