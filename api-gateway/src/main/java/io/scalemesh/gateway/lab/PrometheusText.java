package io.scalemesh.gateway.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** A scrape in Prometheus' text format, as samples: metric name, labels, value. */
record PrometheusText(List<Sample> samples) {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            // name{labels} value [timestamp] [# exemplar]: the label set ends at the first '}' outside quotes.
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name;
            Map<String, String> labels = Map.of();
            String rest;
            if (brace >= 0 && (space < 0 || brace < space)) {
                int end = endOfLabels(line, brace + 1);
                if (end < 0) {
                    continue;
                }
                name = line.substring(0, brace);
                labels = labels(line.substring(brace + 1, end));
                rest = line.substring(end + 1);
            } else if (space > 0) {
                name = line.substring(0, space);
                rest = line.substring(space);
            } else {
                continue;
            }
            String[] value = rest.trim().split("\\s+");
            try {
                samples.add(new Sample(name, labels, Double.parseDouble(value[0])));
            } catch (NumberFormatException e) {
                // NaN and ±Inf parse; anything else is not a sample
            }
        }
        return new PrometheusText(samples);
    }

    private static int endOfLabels(String line, int from) {
        boolean quoted = false;
        for (int i = from; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '}' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        int i = 0;
        while (i < text.length()) {
            int eq = text.indexOf('=', i);
            if (eq < 0 || eq + 1 >= text.length() || text.charAt(eq + 1) != '"') {
                break;
            }
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < text.length() && text.charAt(j) != '"'; j++) {
                if (text.charAt(j) == '\\' && j + 1 < text.length()) {
                    j++;
                }
                value.append(text.charAt(j));
            }
            labels.put(text.substring(i, eq).trim(), value.toString());
            i = text.indexOf(',', j);
            i = i < 0 ? text.length() : i + 1;
        }
        return labels;
    }

    /** The sum of every sample of {@code name} whose labels pass {@code filter}. */
    double sum(String name, Predicate<Map<String, String>> filter) {
        return samples.stream().filter(s -> s.name.equals(name) && filter.test(s.labels)).mapToDouble(Sample::value).sum();
    }

    double sum(String name) {
        return sum(name, labels -> true);
    }

    /** Bucket upper bound (le) → cumulative count, summed over the series that pass {@code filter}. */
    Map<Double, Double> buckets(String histogram, Predicate<Map<String, String>> filter) {
        Map<Double, Double> buckets = new java.util.TreeMap<>();
        samples.stream().filter(s -> s.name.equals(histogram + "_bucket") && filter.test(s.labels))
                .forEach(s -> buckets.merge(Double.parseDouble(s.labels.get("le").replace("+Inf", "Infinity")), s.value, Double::sum));
        return buckets;
    }
}
