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

    static List<ObjectNode> render(Values values, Map<String, Object> sets) {
        return render("scalemesh", values, sets);
    }

    static List<ObjectNode> render(String release, Values values, Map<String, Object> sets) {
        TemplateCommand template = new Helm(DIR).template().withName(release).withNamespace("mesh").withKubeVersion("1.31.0");
        if (values.path() != null) {
            template = template.withValuesFile(values.path());
        }
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
     * The chart itself for its defaults; for an example, a copy whose values.yaml is the defaults
     * deep-merged with the example's (what {@code helm lint -f example} checks).
     */
    static Path withValues(Values values) throws IOException {
        if (values.path() == null) {
            return DIR;
        }
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
        JsonNode merged = merge(YAML.readTree(DIR.resolve("values.yaml").toFile()), YAML.readTree(values.path().toFile()));
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
