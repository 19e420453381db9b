package dev.onnxpress.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.DoubleFunction;

/**
 * A small inline-SVG chart of one figure per step (bars or a line with markers), with a y axis, grid,
 * value labels, an optional dashed reference line (the baseline) and hover titles. Generated here rather
 * than by a charting library so the HTML report stays one file that needs no network and no script.
 *
 * <p>Markup is XML-compatible and carries no namespace URI: inside HTML the parser puts {@code <svg>} in
 * the SVG namespace by itself, and the report must not contain any {@code http} reference.
 */
final class SvgChart {
    enum Kind { BASELINE, ACCEPTED, REJECTED }

    enum Style { BAR, LINE }

    enum Scale { LINEAR_FROM_ZERO, LINEAR_FIT, LOG }

    /** One category on the x axis; {@code value} NaN when the figure does not exist for it. */
    record Point(String label, double value, String valueText, Kind kind, String tooltip) {
    }

    static final int WIDTH = 560;
    static final int HEIGHT = 300;
    private static final int LEFT = 66;
    private static final int RIGHT = 14;
    private static final int TOP = 34;
    private static final int BOTTOM = 96;

    private final String title;
    private final String unitNote;
    private final Style style;
    private final Scale scale;
    private final DoubleFunction<String> tickFormat;
    private final List<Point> points;
    private final OptionalDouble reference;
    private final String referenceLabel;
    private final double ceiling;
    private final String emptyMessage;

    SvgChart(String title, String unitNote, Style style, Scale scale, DoubleFunction<String> tickFormat,
            List<Point> points, OptionalDouble reference, String referenceLabel, double ceiling,
            String emptyMessage) {
        this.title = title;
        this.unitNote = unitNote;
        this.style = style;
        this.scale = scale;
        this.tickFormat = tickFormat;
        this.points = List.copyOf(points);
        this.reference = reference;
        this.referenceLabel = referenceLabel;
        this.ceiling = ceiling;
        this.emptyMessage = emptyMessage;
    }

    /** Rough width of one character of an x label (10.5 px font), for the room rotated labels need. */
    static final double LABEL_CHAR_PX = 6.3;
    private static final double LABEL_ANGLE = Math.toRadians(35);

    private String xLabel(int i) {
        return points.size() > 14 ? (i == 0 ? "in" : Integer.toString(i)) : points.get(i).label();
    }

    /** Length in px of the longest x label. */
    private double longestLabelPx() {
        double longest = 0;
        for (int i = 0; i < points.size(); i++) {
            longest = Math.max(longest, xLabel(i).codePointCount(0, xLabel(i).length()) * LABEL_CHAR_PX);
        }
        return longest;
    }

    /** Room under the plot: rotated labels hang below the axis, so the chart grows to hold the longest whole. */
    int bottomMargin() {
        return (int) Math.max(BOTTOM, Math.ceil(14 + longestLabelPx() * Math.sin(LABEL_ANGLE) + 10));
    }

    int height() {
        return HEIGHT - BOTTOM + bottomMargin();
    }

    /** The plot moves right when the first rotated label would reach past the left edge. */
    double plotLeft() {
        if (points.isEmpty()) {
            return LEFT;
        }
        double band = (WIDTH - RIGHT - LEFT) / (double) points.size();
        String first = xLabel(0);
        double reach = first.codePointCount(0, first.length()) * LABEL_CHAR_PX * Math.cos(LABEL_ANGLE) - 4;
        return Math.max(LEFT, Math.ceil(reach - band / 2 + 6));
    }

    String render() {
        StringBuilder b = new StringBuilder();
        int height = height();
        b.append("<svg class=\"chart\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"").append(HtmlText.escape(title)).append("\">");
        b.append("<title>").append(HtmlText.escape(title)).append("</title>");
        b.append(text(LEFT - 56, 20, "chart-title", "start", title));
        if (!unitNote.isEmpty()) {
            b.append(text(WIDTH - RIGHT, 20, "chart-note", "end", unitNote));
        }
        List<Double> usable = new ArrayList<>();
        for (Point p : points) {
            if (drawable(p.value())) {
                usable.add(p.value());
            }
        }
        if (reference.isPresent() && drawable(reference.getAsDouble())) {
            usable.add(reference.getAsDouble());
        }
        if (usable.isEmpty()) {
            b.append(text(WIDTH / 2.0, height / 2.0, "chart-empty", "middle", emptyMessage));
            return b.append("</svg>").toString();
        }
        Axis axis = Axis.of(scale, usable, ceiling);
        Plot plot = new Plot(plotLeft(), WIDTH - RIGHT, TOP, HEIGHT - BOTTOM);
        appendGrid(b, axis, plot);
        List<double[]> linePoints = appendPoints(b, axis, plot);
        if (style == Style.LINE && !linePoints.isEmpty()) {
            appendLine(b, linePoints);
        }
        if (reference.isPresent() && drawable(reference.getAsDouble())) {
            double y = axis.y(reference.getAsDouble(), plot.top(), plot.bottom());
            b.append(line(plot.left(), y, plot.right(), y, "reference"));
            // below the line when it runs along the top edge, where the label would hit the chart's note
            double labelY = y - plot.top() < 14 ? y + 12 : y - 4;
            b.append(text(plot.right() - 2, labelY, "reference-label", "end", referenceLabel));
        }
        return b.append("</svg>").toString();
    }

    /** The plotting area, in SVG units. */
    private record Plot(double left, double right, double top, double bottom) {
    }

    /** Horizontal grid lines with their tick labels, and the two axes. */
    private void appendGrid(StringBuilder b, Axis axis, Plot plot) {
        for (double t : axis.ticks()) {
            double y = axis.y(t, plot.top(), plot.bottom());
            b.append(line(plot.left(), y, plot.right(), y, "grid"));
            b.append(text(plot.left() - 6, y + 4, "tick", "end", tickFormat.apply(t)));
        }
        b.append(line(plot.left(), plot.bottom(), plot.right(), plot.bottom(), "axis"));
        b.append(line(plot.left(), plot.top(), plot.left(), plot.bottom(), "axis"));
    }

    /** Bars (or, for a line chart, the positions returned as {x, y, index}), value labels and x labels. */
    private List<double[]> appendPoints(StringBuilder b, Axis axis, Plot plot) {
        int n = points.size();
        double band = (plot.right() - plot.left()) / n;
        boolean dense = n > 14;
        List<double[]> linePoints = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Point p = points.get(i);
            double cx = plot.left() + band * (i + 0.5);
            String cls = p.kind().name().toLowerCase(Locale.ROOT);
            if (!drawable(p.value())) {
                b.append(text(cx, plot.bottom() - 6, "value missing", "middle", p.valueText()));
            } else {
                double y = axis.y(p.value(), plot.top(), plot.bottom());
                if (style == Style.BAR) {
                    double w = Math.min(band * 0.64, 56);
                    double h = Math.max(plot.bottom() - y, 1);
                    b.append("<rect class=\"bar ").append(cls).append("\" x=\"").append(fmt(cx - w / 2))
                            .append("\" y=\"").append(fmt(plot.bottom() - h)).append("\" width=\"").append(fmt(w))
                            .append("\" height=\"").append(fmt(h)).append("\"><title>")
                            .append(HtmlText.escape(p.tooltip())).append("</title></rect>");
                } else {
                    linePoints.add(new double[] {cx, y, i});
                }
                if (!dense) {
                    b.append(text(cx, y - 6, "value", "middle", p.valueText()));
                }
            }
            String label = xLabel(i);
            double ly = plot.bottom() + 14;
            b.append("<text class=\"xlabel\" text-anchor=\"end\" transform=\"translate(").append(fmt(cx + 4))
                    .append(',').append(fmt(ly)).append(") rotate(-35)\">").append(HtmlText.escape(label))
                    .append("</text>");
        }
        return linePoints;
    }

    /** The line through the kept steps (rejected attempts were thrown away, so they stay dots) and its markers. */
    private void appendLine(StringBuilder b, List<double[]> linePoints) {
        StringBuilder path = new StringBuilder();
        for (double[] lp : linePoints) {
            if (points.get((int) lp[2]).kind() != Kind.REJECTED) {
                path.append(path.length() == 0 ? "" : " ").append(fmt(lp[0])).append(',').append(fmt(lp[1]));
            }
        }
        b.append("<polyline class=\"series\" points=\"").append(path).append("\"/>");
        for (double[] lp : linePoints) {
            Point p = points.get((int) lp[2]);
            b.append("<circle class=\"marker ").append(p.kind().name().toLowerCase(Locale.ROOT))
                    .append("\" cx=\"").append(fmt(lp[0])).append("\" cy=\"").append(fmt(lp[1]))
                    .append("\" r=\"4.5\"><title>").append(HtmlText.escape(p.tooltip()))
                    .append("</title></circle>");
        }
    }

    private boolean drawable(double v) {
        return Double.isFinite(v) && (scale != Scale.LOG || v > 0);
    }

    private static String text(double x, double y, String cls, String anchor, String s) {
        return "<text class=\"" + cls + "\" x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor
                + "\">" + HtmlText.escape(s) + "</text>";
    }

    private static String line(double x1, double y1, double x2, double y2, String cls) {
        return "<line class=\"" + cls + "\" x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2)
                + "\" y2=\"" + fmt(y2) + "\"/>";
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    /** The y axis: its domain, tick positions and value → pixel mapping. */
    record Axis(Scale scale, double lo, double hi, List<Double> ticks) {
        /** {@code ceiling}: the axis never goes above it (100% for accuracies) unless a value does. */
        static Axis of(Scale scale, List<Double> values, double ceiling) {
            double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            return switch (scale) {
                case LOG -> log(min, max);
                case LINEAR_FROM_ZERO -> linear(Math.min(0, min), max <= 0 && min == 0 ? 1 : Math.max(0, max));
                case LINEAR_FIT -> fit(min, max, ceiling);
            };
        }

        /**
         * A window around the values: accuracies of 97.9% and 98.3% look identical on a 0–100 axis. A
         * line chart (not bars, whose length would then lie) is drawn on such an axis.
         */
        private static Axis fit(double min, double max, double ceiling) {
            double range = max - min;
            double pad = range > 0 ? range * 0.15 : Math.max(Math.abs(max) * 0.01, 0.5);
            double lo = min - pad;
            double hi = max + pad;
            if (min >= 0 && lo < 0) {
                lo = 0;
            }
            if (max <= ceiling && hi > ceiling) {
                Axis a = linear(lo, ceiling);
                return new Axis(a.scale(), a.lo(), Math.min(a.hi(), ceiling),
                        a.ticks().stream().filter(t -> t <= ceiling).toList());
            }
            return linear(lo, hi);
        }

        private static Axis linear(double lo, double hi) {
            if (hi <= lo) {
                hi = lo + 1;
            }
            double step = niceStep((hi - lo) / 5);
            double start = Math.floor(lo / step) * step;
            double end = Math.ceil(hi / step) * step;
            List<Double> ticks = new ArrayList<>();
            for (int k = 0; start + k * step <= end + step * 1e-9; k++) {
                // round away binary noise (0.30000000000000004) so tick labels stay short
                ticks.add(Math.round((start + k * step) / step * 1e6) / 1e6 * step);
            }
            return new Axis(Scale.LINEAR_FIT, start, end, List.copyOf(ticks));
        }

        private static Axis log(double min, double max) {
            int loExp = (int) Math.floor(Math.log10(min));
            int hiExp = (int) Math.ceil(Math.log10(max));
            if (hiExp == loExp) {
                hiExp++;
            }
            int every = (hiExp - loExp) > 8 ? 2 : 1;
            List<Double> ticks = new ArrayList<>();
            for (int e = loExp; e <= hiExp; e += every) {
                ticks.add(Math.pow(10, e));
            }
            return new Axis(Scale.LOG, Math.pow(10, loExp), Math.pow(10, hiExp), List.copyOf(ticks));
        }

        static double niceStep(double raw) {
            double exp = Math.floor(Math.log10(raw));
            double base = Math.pow(10, exp);
            double f = raw / base;
            double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
            return nice * base;
        }

        double y(double v, double top, double bottom) {
            double t = scale == Scale.LOG
                    ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
                    : (v - lo) / (hi - lo);
            return bottom - t * (bottom - top);
        }
    }
}
