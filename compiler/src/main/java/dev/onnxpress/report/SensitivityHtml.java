package dev.onnxpress.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The HTML page of {@code onnxpress sensitivity --html}: one line per layer of the metric (accuracy or
 * output cosine) against the pruning ratio, L1-filter-paper style, with the unpruned baseline dashed,
 * and the same numbers as a table. One self-contained file: inline SVG and CSS, no script, no network
 * reference. The axis and escaping are the pipeline report's ({@link SvgChart.Axis}, {@link HtmlText}).
 */
public final class SensitivityHtml {
    /** One probed layer: the metric at each ratio, and why it could not be pruned when it could not. */
    public record Series(String layer, int channels, List<Double> values, String skipped) {
        public Series {
            values = List.copyOf(values);
        }
    }

    /** A whole sensitivity run; {@code metric} is "accuracy" or "cosine". */
    public record Table(String model, String metric, String criterion, double baseline, List<Double> ratios,
            List<Series> layers) {
        public Table {
            ratios = List.copyOf(ratios);
            layers = List.copyOf(layers);
            for (Series s : layers) {
                if (s.values().size() != ratios.size()) {
                    throw new IllegalArgumentException("layer '" + s.layer() + "' has " + s.values().size()
                            + " values for " + ratios.size() + " ratios");
                }
            }
        }
    }

    // distinguishable on screen and in greyscale print (dash patterns repeat the cycle)
    private static final String[] COLORS = {"#2f6fde", "#c23b3b", "#1a7f4b", "#b7791f", "#7b4fc9", "#0e8a94",
        "#d6457f", "#5b6b7f", "#8c564b", "#6b8e23"};
    private static final String[] DASHES = {"", "6 3", "2 3", "8 3 2 3"};
    private static final int WIDTH = 720;
    private static final int PLOT_HEIGHT = 320;
    private static final int LEFT = 66;
    private static final int RIGHT = 20;
    private static final int TOP = 34;
    private static final int LEGEND_ROW = 18;

    private SensitivityHtml() {
    }

    /** Writes the page atomically (a failed write leaves no partial file). */
    public static void write(Path file, Table t) {
        ReportFiles.writeAtomically(file, render(t), "sensitivity report");
    }

    public static String render(Table t) {
        boolean accuracy = t.metric().equals("accuracy");
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<title>onnxpress sensitivity: ").append(esc(t.model())).append("</title>\n")
                .append("<style>").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
        b.append("<h1>Pruning sensitivity: ").append(esc(t.model())).append("</h1>\n");
        b.append("<p class=\"subtitle\">prune_channels on one layer at a time (criterion ").append(esc(t.criterion()))
                .append(", scope=layer); ").append(accuracy ? "top-1 accuracy" : "cosine similarity of the outputs to"
                        + " the unpruned model").append(" on ").append("the given data. Baseline ")
                .append(value(t.baseline(), accuracy)).append(".</p>\n");
        b.append("<figure>").append(chart(t, accuracy)).append("</figure>\n");
        b.append("<h2>Table</h2>\n<table>\n<thead><tr><th>layer</th><th>channels</th>");
        for (double r : t.ratios()) {
            b.append("<th class=\"num\">").append(esc(percent(r))).append("</th>");
        }
        b.append("<th>note</th></tr></thead>\n<tbody>\n");
        for (Series s : t.layers()) {
            b.append("<tr><td><code>").append(esc(s.layer())).append("</code></td><td class=\"num\">")
                    .append(s.channels() > 0 ? Integer.toString(s.channels()) : "").append("</td>");
            for (double v : s.values()) {
                double drop = v - t.baseline();
                b.append("<td class=\"num").append(drop < -0.01 ? " bad" : "").append("\" title=\"")
                        .append(esc(String.format(Locale.ROOT, "%+.4f vs baseline", drop))).append("\">")
                        .append(value(v, accuracy)).append("</td>");
            }
            b.append("<td>").append(esc(s.skipped())).append("</td></tr>\n");
        }
        b.append("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
        return b.toString();
    }

    private static String chart(Table t, boolean accuracy) {
        int legendRows = (t.layers().size() + 1) / 2;
        int height = PLOT_HEIGHT + 20 + legendRows * LEGEND_ROW;
        String title = (accuracy ? "Accuracy" : "Output cosine") + " vs pruning ratio, per layer";
        StringBuilder b = new StringBuilder();
        b.append("<svg class=\"chart\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"").append(esc(title)).append("\">");
        b.append("<title>").append(esc(title)).append("</title>");
        b.append(text(LEFT - 56, 20, "chart-title", "start", title));
        List<Double> usable = new ArrayList<>();
        for (Series s : t.layers()) {
            s.values().stream().filter(Double::isFinite).forEach(usable::add);
        }
        if (Double.isFinite(t.baseline())) {
            usable.add(t.baseline());
        }
        if (usable.isEmpty() || t.ratios().isEmpty()) {
            b.append(text(WIDTH / 2.0, PLOT_HEIGHT / 2.0, "chart-empty", "middle", "no values to plot"));
            return b.append("</svg>").toString();
        }
        double plotLeft = LEFT;
        double plotRight = WIDTH - RIGHT;
        double plotTop = TOP;
        double plotBottom = PLOT_HEIGHT - 40;
        SvgChart.Axis axis = SvgChart.Axis.of(SvgChart.Scale.LINEAR_FIT, usable, 1);
        for (double tick : axis.ticks()) {
            double y = axis.y(tick, plotTop, plotBottom);
            b.append(line(plotLeft, y, plotRight, y, "grid"));
            b.append(text(plotLeft - 6, y + 4, "tick", "end", accuracy ? percentTick(tick) : trim(tick)));
        }
        b.append(line(plotLeft, plotBottom, plotRight, plotBottom, "axis"));
        b.append(line(plotLeft, plotTop, plotLeft, plotBottom, "axis"));
        double lo = Math.min(0, t.ratios().stream().mapToDouble(Double::doubleValue).min().orElse(0));
        double hi = t.ratios().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        hi = hi > lo ? hi : lo + 1;
        double span = hi - lo;
        for (double r : t.ratios()) {
            double x = plotLeft + (r - lo) / span * (plotRight - plotLeft - 10) + 5;
            b.append(line(x, plotBottom, x, plotBottom + 4, "axis"));
            b.append(text(x, plotBottom + 18, "tick", "middle", percent(r)));
        }
        b.append(text((plotLeft + plotRight) / 2, plotBottom + 34, "chart-note", "middle",
                "fraction of the layer's channels removed"));
        if (Double.isFinite(t.baseline())) {
            double y = axis.y(t.baseline(), plotTop, plotBottom);
            b.append(line(plotLeft, y, plotRight, y, "reference"));
            b.append(text(plotRight - 2, y - 4, "reference-label", "end", "unpruned " + value(t.baseline(), accuracy)));
        }
        for (int i = 0; i < t.layers().size(); i++) {
            appendSeries(b, t, i, axis, lo, span, accuracy);
        }
        return b.append("</svg>").toString();
    }

    /** Layer {@code i}'s line with a marker per ratio, and its legend entry. */
    private static void appendSeries(StringBuilder b, Table t, int i, SvgChart.Axis axis, double lo, double span,
            boolean accuracy) {
        double plotLeft = LEFT;
        double plotRight = WIDTH - RIGHT;
        double plotTop = TOP;
        double plotBottom = PLOT_HEIGHT - 40;
        Series s = t.layers().get(i);
        String color = COLORS[i % COLORS.length];
        String dash = DASHES[(i / COLORS.length) % DASHES.length];
        StringBuilder pts = new StringBuilder();
        StringBuilder markers = new StringBuilder();
        for (int k = 0; k < t.ratios().size(); k++) {
            double v = s.values().get(k);
            if (!Double.isFinite(v)) {
                continue;
            }
            double x = plotLeft + (t.ratios().get(k) - lo) / span * (plotRight - plotLeft - 10) + 5;
            double y = axis.y(v, plotTop, plotBottom);
            pts.append(pts.length() == 0 ? "" : " ").append(SvgChart.fmt(x)).append(',').append(SvgChart.fmt(y));
            markers.append("<circle cx=\"").append(SvgChart.fmt(x)).append("\" cy=\"").append(SvgChart.fmt(y))
                    .append("\" r=\"3.5\" fill=\"").append(color).append("\"><title>")
                    .append(esc(s.layer() + " at " + percent(t.ratios().get(k)) + ": " + value(v, accuracy)))
                    .append("</title></circle>");
        }
        b.append("<g class=\"layer-series\" data-layer=\"").append(esc(s.layer())).append("\">");
        b.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\"")
                .append(dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"").append(" points=\"")
                .append(pts).append("\"/>").append(markers).append("</g>");
        double lx = plotLeft + (i % 2) * (plotRight - plotLeft) / 2;
        double ly = PLOT_HEIGHT + 10 + (i / 2) * LEGEND_ROW;
        b.append("<line x1=\"").append(SvgChart.fmt(lx)).append("\" y1=\"").append(SvgChart.fmt(ly))
                .append("\" x2=\"").append(SvgChart.fmt(lx + 22)).append("\" y2=\"").append(SvgChart.fmt(ly))
                .append("\" stroke=\"").append(color).append("\" stroke-width=\"2\"")
                .append(dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"").append("/>");
        b.append(text(lx + 28, ly + 4, "legend", "start", s.layer()));
    }

    private static String value(double v, boolean accuracy) {
        if (!Double.isFinite(v)) {
            return "\u2013";
        }
        return accuracy ? String.format(Locale.ROOT, "%.2f%%", v * 100) : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String percent(double r) {
        return trim(r * 100) + "%";
    }

    private static String percentTick(double v) {
        return trim(v * 100) + "%";
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.4f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    private static String esc(String s) {
        return HtmlText.escape(s);
    }

    private static String text(double x, double y, String cls, String anchor, String s) {
        return "<text class=\"" + cls + "\" x=\"" + SvgChart.fmt(x) + "\" y=\"" + SvgChart.fmt(y)
                + "\" text-anchor=\"" + anchor + "\">" + esc(s) + "</text>";
    }

    private static String line(double x1, double y1, double x2, double y2, String cls) {
        return "<line class=\"" + cls + "\" x1=\"" + SvgChart.fmt(x1) + "\" y1=\"" + SvgChart.fmt(y1) + "\" x2=\""
                + SvgChart.fmt(x2) + "\" y2=\"" + SvgChart.fmt(y2) + "\"/>";
    }

    private static final String CSS = """
            body { margin: 0; background: #f7f8fa; color: #1d2433;
              font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
            main { max-width: 980px; margin: 0 auto; padding: 28px; }
            h1 { font-size: 22px; margin: 0; word-break: break-all; }
            h2 { font-size: 17px; margin: 26px 0 10px; border-bottom: 1px solid #e4e7ec; padding-bottom: 6px; }
            .subtitle { color: #667085; }
            figure { margin: 16px 0; background: #fff; border: 1px solid #e4e7ec; border-radius: 10px; padding: 8px; }
            svg.chart { width: 100%; height: auto; font-size: 11px; }
            .grid { stroke: #eef0f3; } .axis { stroke: #98a2b3; }
            .reference { stroke: #8a94a6; stroke-dasharray: 5 4; }
            .tick, .chart-note, .reference-label { fill: #667085; }
            .chart-title { font-weight: 650; font-size: 13px; fill: #1d2433; }
            .legend { fill: #1d2433; }
            table { border-collapse: collapse; background: #fff; width: 100%; }
            th, td { border: 1px solid #e4e7ec; padding: 4px 8px; text-align: left; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
            td.bad { color: #c23b3b; }
            code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
            """;
}
