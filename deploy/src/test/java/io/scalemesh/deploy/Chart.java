package io.scalemesh.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

/** The chart as real Helm renders it: one JSON node per manifest. */
final class Chart {

    static final Path ROOT = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
    static final Path DIR = ROOT.resolve("deploy/helm/scalemesh");
    static final ObjectMapper YAML = new YAMLMapper();

    /** The values files the chart is checked with: its defaults and each example. */
    enum Values {
        DEFAULTS(null), MINIMAL("examples/minimal/values.yaml"), PRODUCTION("examples/production/values.yaml");

        final String file;

        Values(String file) {
            this.file = file;
        }

        Path path() {
            return file == null ? null : DIR.resolve(file);
        }
    }

    private Chart() {
    }

    static final String CHECK_OPERATOR_APIS = "global.checkOperatorApis";

    static List<ObjectNode> render(Values values, Map<String, Object> sets) {
        return render("scalemesh", values, sets);
    }

    static List<ObjectNode> render(String release, Values values, Map<String, Object> sets) {
        TemplateCommand template = new Helm(DIR).template().withName(release).withNamespace("mesh").withKubeVersion("1.31.0");
        if (values.path() != null) {
            template = template.withValuesFile(values.path());
        }
        // helm-java has no --api-versions: operators' APIs are taken as served unless a test asks.
        template = template.set(CHECK_OPERATOR_APIS, sets.getOrDefault(CHECK_OPERATOR_APIS, false));
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return parse(template.call());
    }

    static List<ObjectNode> parse(String manifests) {
        List<ObjectNode> documents = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(manifests)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && doc.isObject() && doc.has("kind")) {
                    documents.add((ObjectNode) doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }

    /**
     * A copy of the chart whose values.yaml is the defaults, deep-merged with an example's (what
     * {@code helm lint -f example} checks), with operators' APIs taken as served (lint sees no cluster).
     */
    static Path withValues(Values values) throws IOException {
        Path copy = ROOT.resolve("deploy/target/lint-" + values.name().toLowerCase(java.util.Locale.ROOT)).resolve("scalemesh");
        try (var files = Files.walk(DIR)) {
            for (Path source : files.toList()) {
                Path target = copy.resolve(DIR.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        JsonNode defaults = YAML.readTree(DIR.resolve("values.yaml").toFile());
        JsonNode merged = values.path() == null ? defaults : merge(defaults, YAML.readTree(values.path().toFile()));
        ((ObjectNode) merged.path("global")).put("checkOperatorApis", false);
        YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
        return copy;
    }

    /** Helm's merge of values: maps merge key by key, anything else is replaced. */
    static JsonNode merge(JsonNode base, JsonNode over) {
        if (!(base instanceof ObjectNode target) || !over.isObject()) {
            return over;
        }
        over.fields().forEachRemaining(e -> target.set(e.getKey(),
                target.has(e.getKey()) ? merge(target.get(e.getKey()), e.getValue()) : e.getValue()));
        return target;
    }

    static List<ObjectNode> ofKind(List<ObjectNode> documents, String kind) {
        return documents.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    static ObjectNode named(List<ObjectNode> documents, String kind, String name) {
        return ofKind(documents, kind).stream().filter(d -> d.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
