package dev.onnxpress.passes.core.target;

import dev.onnxpress.error.InternalException;
import dev.onnxpress.error.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What one runtime accepts, as measured: one row per rule ({@link TargetRules}) with the verdict of its
 * probe model ("ok": loads, runs and matches ONNX Runtime; "fails": with the runtime's message or the
 * mismatch). The tables are resources ({@code <runtime>.tsv} beside this class) written by the probe
 * generator in the tests (TargetProbes); TargetTableTest re-measures them against the runtime on the
 * class path, so a table cannot drift from the runtime it describes.
 *
 * @param runtime the runtime's name ("opencv")
 * @param measuredOn the runtime and version the table was measured on ("OpenCV DNN 4.9.0")
 * @param rows by rule, in file order
 */
public record TargetTable(String runtime, String measuredOn, Map<String, Row> rows) {
    public static final List<String> RUNTIMES = List.of("opencv", "ort", "ort_mobile");

    public TargetTable {
        rows = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rows));
    }

    public record Row(String rule, boolean supported, String detail) {
    }

    /** True/false when the rule was measured, empty when the table has no row for it. */
    public Optional<Boolean> supports(String rule) {
        return Optional.ofNullable(rows.get(rule)).map(Row::supported);
    }

    public Optional<Row> row(String rule) {
        return Optional.ofNullable(rows.get(rule));
    }

    /** The table of a runtime by name ("ort-mobile" and "ort_mobile" alike); UserException for others. */
    public static TargetTable load(String runtime) {
        String name = runtime.toLowerCase(Locale.ROOT).replace('-', '_');
        if (!RUNTIMES.contains(name)) {
            throw new UserException("unknown runtime '" + runtime + "'; known: " + String.join(", ", RUNTIMES));
        }
        try (InputStream in = TargetTable.class.getResourceAsStream(name + ".tsv")) {
            if (in == null) {
                throw new InternalException("capability table " + name + ".tsv is missing from the build", null);
            }
            return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InternalException("cannot read capability table " + name + ".tsv", e);
        }
    }

    public static TargetTable parse(String runtime, String text) {
        String measuredOn = "";
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# measured on: ")) {
                measuredOn = line.substring("# measured on: ".length()).strip();
            }
            if (line.isBlank() || line.startsWith("#") || line.startsWith("rule\t")) {
                continue;
            }
            String[] f = line.split("\t", 3);
            rows.put(f[0], new Row(f[0], f[1].equals("ok"), f.length > 2 ? f[2] : ""));
        }
        return new TargetTable(runtime, measuredOn, rows);
    }

    /** The file form: a comment header, then {@code rule \t ok|fails \t detail} rows. */
    public String toTsv() {
        StringBuilder b = new StringBuilder();
        b.append("# What ").append(runtime).append(" accepts, measured with one-node probe models (TargetProbes in the")
                .append(" passes tests).\n# Regenerate: mvn -pl passes -am test -Dtest=TargetTableTest")
                .append(" -Donnxpress.writeTargetTables=true -Dsurefire.failIfNoSpecifiedTests=false\n")
                .append("# measured on: ").append(measuredOn).append('\n')
                .append("rule\tverdict\tdetail\n");
        for (Row r : rows.values()) {
            b.append(r.rule()).append('\t').append(r.supported() ? "ok" : "fails").append('\t')
                    .append(r.detail().replace('\t', ' ').replace('\n', ' ')).append('\n');
        }
        return b.toString();
    }

    /** True when the table marks {@code rule} as failing (false when it passes or was not measured). */
    public boolean fails(String rule) {
        return supports(rule).map(ok -> !ok).orElse(false);
    }

    /** The probe's detail for {@code rule}, or "" when the table has no row for it. */
    public String evidence(String rule) {
        return row(rule).map(Row::detail).orElse("");
    }
}
