package dev.onnxpress.tune;

import dev.onnxpress.error.UserException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The {@code tune --report-html} page, self-contained: the held-out result, a scatter of every candidate
 * measured (objective ratio vs loss on the selection split) with the Pareto front and the chosen point,
 * the chosen recipe's steps with the reasons, and the written recipe itself.
 */
public final class TuneHtml {
    private TuneHtml() {
    }

    public static void write(TuneSummary s, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, render(s), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static String render(TuneSummary s) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>onnxpress tune: ")
                .append(esc(s.model())).append("</title><style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}")
                .append("pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}")
                .append(".bad{color:#b00;font-weight:bold}.good{color:#070;font-weight:bold}</style></head><body>");
        h.append("<h1>onnxpress tune</h1><p>").append(esc(s.model())).append(" — objective <b>")
                .append(s.objective().id()).append("</b>, budget <b>").append(esc(s.budget().toString()))
                .append("</b></p>");
        double ratio = s.heldOutRatio();
        h.append("<p class=\"").append(s.withinBudget() ? "good" : "bad").append("\">Held-out (")
                .append(s.split().heldOutCount()).append(" samples the search never saw): ")
                .append(Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f× ", ratio) : "")
                .append(esc(s.objective().id())).append(", ")
                .append(esc(s.budget().describeLoss(s.heldOutLoss()))).append(" — ")
                .append(s.withinBudget() ? "within the budget" : "OVER BUDGET").append("</p>");
        h.append(String.format(Locale.ROOT, "<p>%d candidates (%d measured, %d from the cache) in %.0f s of search,"
                        + " %.0f s in all; split: %d calibration / %d selection / %d held-out.%s</p>",
                s.candidates().size(), s.evaluationsRun(), s.evaluationsCached(), s.searchSeconds(), s.wallSeconds(),
                s.split().calibrationCount(), s.split().selectionCount(), s.split().heldOutCount(),
                s.stoppedByDeadline() ? " The search stopped at the time limit." : ""));
        h.append("<h2>What was tried (selection slice)</h2><p>Each candidate: objective ratio vs loss; the Pareto front in blue, the chosen point in red.</p>").append(scatter(s));
        h.append("<h2>Chosen steps</h2><table><tr><th>step</th><th>why</th></tr>");
        for (Candidate.Step st : s.winner().steps()) {
            h.append("<tr><td><code>").append(esc(st.text())).append("</code></td><td>")
                    .append(esc(st.why())).append("</td></tr>");
        }
        h.append("</table>");
        if (!s.notes().isEmpty()) {
            h.append("<h2>Measured and avoided</h2><ul>");
            s.notes().forEach((k, v) -> h.append("<li><code>").append(esc(k)).append("</code>: ")
                    .append(esc(v)).append("</li>"));
            h.append("</ul>");
        }
        h.append("<h2>Candidates</h2><table><tr><th>#</th><th>what</th><th>ratio</th><th>loss</th><th>s</th></tr>");
        for (int i = 0; i < s.candidates().size(); i++) {
            Candidate c = s.candidates().get(i);
            double r = s.objective().ratio(c.measurement(), s.selectionOriginal());
            h.append("<tr").append(i == s.chosen() ? " style=\"background:#fde\"" : "").append("><td>").append(i)
                    .append("</td><td>").append(esc(c.label()))
                    .append(c.measurement().error().map(e -> " — " + esc(e)).orElse(""))
                    .append("</td><td>").append(Double.isFinite(r) ? String.format(Locale.ROOT, "%.2f×", r) : "–")
                    .append("</td><td>").append(esc(s.budget().describeLoss(c.loss())))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.1f", c.measurement().seconds()))
                    .append("</td></tr>");
        }
        h.append("</table><h2>The recipe</h2><pre>").append(esc(s.recipe())).append("</pre></body></html>\n");
        return h.toString();
    }

    /** SVG scatter: x = loss under the budget, y = objective ratio; Pareto front as a line, chosen point in red. */
    static String scatter(TuneSummary s) {
        record P(double x, double y, int i) {
        }
        List<P> pts = new ArrayList<>();
        for (int i = 0; i < s.candidates().size(); i++) {
            Candidate c = s.candidates().get(i);
            double r = s.objective().ratio(c.measurement(), s.selectionOriginal());
            if (Double.isFinite(c.loss()) && Double.isFinite(r)) {
                pts.add(new P(c.loss(), r, i));
            }
        }
        int w = 720;
        int hgt = 380;
        int pad = 50;
        double limit = s.searchLimit();
        double budget = s.budget().limit();
        double maxX = Math.max(budget * 1.5, pts.stream().mapToDouble(P::x).filter(x -> x <= budget * 4).max().orElse(budget));
        double minX = Math.min(0, pts.stream().mapToDouble(P::x).min().orElse(0));
        double maxY = Math.max(1.1, pts.stream().mapToDouble(P::y).max().orElse(1) * 1.05);
        StringBuilder g = new StringBuilder();
        g.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(hgt)
                .append("\" style=\"border:1px solid #ddd\">");
        java.util.function.DoubleUnaryOperator sx = x -> pad + (Math.min(x, maxX) - minX) / (maxX - minX) * (w - 2 * pad);
        java.util.function.DoubleUnaryOperator sy = y -> hgt - pad - y / maxY * (hgt - 2 * pad);
        g.append(line(sx.applyAsDouble(budget), pad, sx.applyAsDouble(budget), hgt - pad, "#b00", "4,3"));
        g.append(line(sx.applyAsDouble(limit), pad, sx.applyAsDouble(limit), hgt - pad, "#e90", "2,3"));
        g.append(line(pad, hgt - pad, w - pad, hgt - pad, "#444", null)).append(line(pad, pad, pad, hgt - pad, "#444", null));
        g.append(text(w / 2.0, hgt - 12, "loss on the selection slice (" + s.budget().kind().name().toLowerCase(Locale.ROOT)
                + "; red: budget, orange: search limit)"));
        g.append(text(pad + 5, pad - 10, s.objective().id() + " ratio (original / candidate)"));
        for (int k = 0; k <= 4; k++) {
            double y = maxY * k / 4;
            g.append(text(pad - 25, sy.applyAsDouble(y) + 4, String.format(Locale.ROOT, "%.1f", y)));
            double x = minX + (maxX - minX) * k / 4;
            g.append(text(sx.applyAsDouble(x), hgt - pad + 15, String.format(Locale.ROOT, "%.3g", x)));
        }
        // Pareto front: no other point has both less loss and a higher ratio
        List<P> sorted = new ArrayList<>(pts);
        sorted.sort(Comparator.comparingDouble(P::x).thenComparing(Comparator.comparingDouble(P::y).reversed()));
        StringBuilder front = new StringBuilder();
        double bestY = Double.NEGATIVE_INFINITY;
        for (P p : sorted) {
            if (p.y() > bestY) {
                bestY = p.y();
                front.append(String.format(Locale.ROOT, "%.1f,%.1f ", sx.applyAsDouble(p.x()), sy.applyAsDouble(p.y())));
            }
        }
        g.append("<polyline fill=\"none\" stroke=\"#36c\" stroke-width=\"1.5\" points=\"").append(front).append("\"/>");
        for (P p : pts) {
            boolean chosen = p.i() == s.chosen();
            g.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" opacity=\"%s\">"
                            + "<title>#%d %s</title></circle>", sx.applyAsDouble(p.x()), sy.applyAsDouble(p.y()),
                    chosen ? 6 : 3, chosen ? "#d00" : "#555", chosen ? "1" : "0.6", p.i(),
                    esc(s.candidates().get(p.i()).label())));
        }
        g.append("</svg>");
        return g.toString();
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String line(double x1, double y1, double x2, double y2, String color, String dash) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>",
                x1, y1, x2, y2, color, dash == null ? "" : " stroke-dasharray=\"" + dash + "\"");
    }

    private static String text(double x, double y, String t) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
                x, y, esc(t));
    }
}
