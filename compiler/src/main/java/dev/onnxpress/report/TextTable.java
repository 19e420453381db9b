package dev.onnxpress.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A fixed-width text table: columns as wide as their widest cell, numbers right-aligned, a rule under
 * the header and after the last row. Widths count code points, so a {@code Δ} or {@code ✓} is one column.
 */
public final class TextTable {
    public record Column(String header, boolean rightAligned) {
    }

    private static final String GAP = "  ";

    private final List<Column> columns;
    private final List<List<String>> rows = new ArrayList<>();

    public TextTable(List<Column> columns) {
        this.columns = List.copyOf(columns);
    }

    public void add(List<String> cells) {
        if (cells.size() != columns.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, table has " + columns.size());
        }
        rows.add(List.copyOf(cells));
    }

    /** The table with rules of '─'. */
    public String render() {
        StringBuilder out = new StringBuilder();
        render(out, '\u2500');
        return out.toString();
    }

    void render(StringBuilder out, char rule) {
        int[] widths = new int[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            widths[c] = width(columns.get(c).header());
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], width(row.get(c)));
            }
        }
        int total = 0;
        for (int w : widths) {
            total += w;
        }
        total += GAP.length() * (columns.size() - 1);
        String line = String.valueOf(rule).repeat(total);

        line(out, columns.stream().map(Column::header).toList(), widths);
        out.append(line).append('\n');
        for (List<String> row : rows) {
            line(out, row, widths);
        }
        out.append(line).append('\n');
    }

    private void line(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                b.append(GAP);
            }
            String cell = cells.get(c);
            String pad = " ".repeat(widths[c] - width(cell));
            if (columns.get(c).rightAligned()) {
                b.append(pad).append(cell);
            } else {
                b.append(cell).append(pad);
            }
        }
        // no trailing blanks: golden files and terminals that wrap at the last column both prefer it
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == ' ') {
            end--;
        }
        out.append(b, 0, end).append('\n');
    }

    static int width(String s) {
        return s.codePointCount(0, s.length());
    }
}
