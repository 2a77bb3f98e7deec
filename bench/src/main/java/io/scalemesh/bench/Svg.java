package io.scalemesh.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Line plots as SVG, which any browser and GitHub show: one series per line, a legend, labelled axes. */
final class Svg {

    private static final List<String> COLOURS = List.of("steelblue", "darkorange", "seagreen", "crimson", "slategray");

    private Svg() {
    }

    /** Each series is one value per x step (0, 1, 2, ...); negative values are gaps (unknown). */
    static String lines(String title, String xLabel, Map<String, long[]> series) {
        int steps = series.values().stream().mapToInt(v -> v.length).max().orElse(1);
        long maxY = Math.max(1, series.values().stream().flatMapToLong(java.util.Arrays::stream).max().orElse(1));
        StringBuilder svg = new StringBuilder("<svg xmlns='http://www.w3.org/2000/svg' width='800' height='420'>"
                + "<rect width='800' height='420' fill='white'/>"
                + "<line x1='60' y1='350' x2='760' y2='350' stroke='black'/><line x1='60' y1='50' x2='60' y2='350' stroke='black'/>"
                + "<text x='410' y='390' text-anchor='middle'>" + xLabel + " (0 to " + (steps - 1) + ")</text>"
                + "<text x='65' y='40'>" + title + ", max " + maxY + "</text>"
                + "<text x='55' y='354' text-anchor='end'>0</text><text x='55' y='54' text-anchor='end'>" + maxY + "</text>");
        int i = 0;
        for (Map.Entry<String, long[]> entry : series.entrySet()) {
            String colour = COLOURS.get(i % COLOURS.size());
            long[] values = entry.getValue();
            String points = java.util.stream.IntStream.range(0, values.length).filter(x -> values[x] >= 0)
                    .mapToObj(x -> String.format(Locale.ROOT, "%.1f,%.1f", 60 + 700.0 * x / Math.max(1, steps - 1),
                            350 - 300.0 * values[x] / maxY))
                    .collect(Collectors.joining(" "));
            svg.append("<polyline fill='none' stroke='").append(colour).append("' stroke-width='2' points='").append(points).append("'/>");
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='410' fill='%s'>%s</text>", 60 + 160 * i, colour, entry.getKey()));
            i++;
        }
        return svg.append("</svg>\n").toString();
    }
}
