package dev.onnxpress.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onnxpress.analysis.Macs;
import dev.onnxpress.analysis.ModelStats;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.runtime.OnnxpressRuntime;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.error.Shown;
import dev.onnxpress.error.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code onnxpress inspect} shows about one model file, and its two renderings (aligned text and
 * JSON). JSON keys are a stable interface: {@code nodes, ops, parameters, weight_bytes, file_bytes,
 * opsets, inputs, outputs, macs} (null when unknown) and the extras {@code model, ir_version, producer,
 * weight_bytes_total, external_data_bytes, subgraphs, non_standard_ops, macs_by_node}.
 *
 * @param fileBytes         size of the model file itself
 * @param externalDataBytes size of the distinct external data files its tensors live in
 */
record Inspection(Path file, long irVersion, String producer, long fileBytes, long externalDataBytes,
                  ModelStats stats, Optional<Macs> macs) {

    /** Shown in the text form beside the MAC count, since a batch of one is an assumption. */
    private static final String MACS_NOTE = "(one run, symbolic dims as 1)";

    static Inspection of(Path file, Model model) {
        String producer = (model.producerName() + " " + model.producerVersion()).trim();
        return new Inspection(file, model.irVersion(), producer, size(file), externalBytes(model),
                ModelStats.of(model), Macs.estimate(runnable(model)));
    }

    /** Packed weights (pack_huffman) have no shape until decoded: MACs of a packed model count a decoded copy. */
    private static Model runnable(Model model) {
        if (!OnnxpressRuntime.isPacked(model)) {
            return model;
        }
        Model plain = model.copy();
        OnnxpressRuntime.unpack(plain);
        return plain;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static long externalBytes(Model model) {
        Set<Path> files = new LinkedHashSet<>();
        for (Graph g : model.graph().allGraphs()) {
            for (Tensor t : g.initializers().values()) {
                t.externalLocation().ifPresent(l -> files.add(l.file()));
            }
            for (Node n : g.nodes()) {
                for (Attr a : n.attrs().values()) {
                    if (a.kind() == Attr.Kind.TENSOR) {
                        a.t().externalLocation().ifPresent(l -> files.add(l.file()));
                    }
                }
            }
        }
        long total = 0;
        for (Path f : files) {
            total += size(f);
        }
        return total;
    }

    /** "ai.onnx" for the default domain, which the file writes as "". */
    private static String domainName(String domain) {
        return domain.isEmpty() ? "ai.onnx" : domain;
    }

    // ---------------------------------------------------------------- JSON

    JsonNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("model", file.toString());
        o.put("nodes", stats.nodes());
        ObjectNode ops = o.putObject("ops");
        stats.ops().forEach(ops::put);
        o.put("parameters", stats.parameters());
        ObjectNode wb = o.putObject("weight_bytes");
        stats.weightBytes().forEach((t, b) -> wb.put(t.displayName(), b));
        o.put("weight_bytes_total", stats.totalWeightBytes());
        o.put("file_bytes", fileBytes);
        o.put("external_data_bytes", externalDataBytes);
        ObjectNode opsets = o.putObject("opsets");
        stats.opsets().forEach((d, v) -> opsets.put(domainName(d), v));
        o.put("ir_version", irVersion);
        o.put("producer", producer);
        o.set("inputs", ports(stats.inputs()));
        o.set("outputs", ports(stats.outputs()));
        o.put("subgraphs", stats.subgraphs());
        ArrayNode custom = o.putArray("non_standard_ops");
        stats.nonStandardOps().forEach(custom::add);
        if (macs.isPresent()) {
            o.put("macs", macs.get().total());
            ArrayNode per = o.putArray("macs_by_node");
            for (Macs.NodeMacs n : macs.get().perNode()) {
                per.addObject().put("node", n.node()).put("op", n.opType()).put("macs", n.macs());
            }
        } else {
            o.putNull("macs");
            o.putNull("macs_by_node");
        }
        return o;
    }

    /** Shapes as arrays: numbers for fixed dims, names for symbolic ones, null for unknown ones. */
    private static ArrayNode ports(List<ModelStats.Port> ports) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (ModelStats.Port p : ports) {
            ObjectNode o = a.addObject();
            o.put("name", p.name());
            o.put("type", p.type());
            if (p.shape().isEmpty()) {
                o.putNull("shape");
                continue;
            }
            ArrayNode shape = o.putArray("shape");
            for (Dim d : p.shape().get()) {
                if (d instanceof Dim.Known k) {
                    shape.add(k.size());
                } else if (d instanceof Dim.Symbolic s) {
                    shape.add(s.name());
                } else {
                    shape.addNull();
                }
            }
        }
        return a;
    }

    // ---------------------------------------------------------------- text

    String toText() {
        List<String[]> rows = new ArrayList<>();
        rows.add(row("model", file.toString()));
        rows.add(row("file", bytes(fileBytes) + (externalDataBytes > 0
                ? " + " + bytes(externalDataBytes) + " external data" : "")));
        rows.add(row("ir version", irVersion + (producer.isEmpty() ? "" : ", producer " + producer)));
        List<String> opsets = new ArrayList<>();
        stats.opsets().forEach((d, v) -> opsets.add(domainName(d) + " " + v));
        rows.add(row("opsets", String.join(", ", opsets)));
        rows.add(row("nodes", number(stats.nodes()) + (stats.subgraphs() > 0
                ? " (in " + (stats.subgraphs() + 1) + " graphs)" : "")));
        rows.add(row("parameters", number(stats.parameters())));
        List<String> byType = new ArrayList<>();
        for (Map.Entry<DataType, Long> e : stats.weightBytes().entrySet()) {
            byType.add(e.getKey().displayName() + " " + number(e.getValue()));
        }
        rows.add(row("weights", bytes(stats.totalWeightBytes()) + (byType.isEmpty() ? "" : " (" + String.join(", ", byType) + ")")));
        rows.add(row("MACs", macs.map(m -> number(m.total()) + " " + MACS_NOTE)
                .orElse("unknown (shapes not known for a run with symbolic dims as 1)")));
        int nameWidth = java.util.stream.Stream.concat(stats.inputs().stream(), stats.outputs().stream())
                .mapToInt(p -> Shown.name(p.name()).length()).max().orElse(0);
        portRows(rows, "inputs", stats.inputs(), nameWidth);
        portRows(rows, "outputs", stats.outputs(), nameWidth);
        if (!stats.nonStandardOps().isEmpty()) {
            rows.add(row("custom ops", String.join(", ", stats.nonStandardOps())));
        }
        StringBuilder sb = new StringBuilder();
        table(sb, rows, "", false);
        if (!stats.ops().isEmpty()) {
            sb.append("\nops\n");
            List<String[]> ops = new ArrayList<>();
            stats.ops().forEach((op, n) -> ops.add(row(op, number(n))));
            table(sb, ops, "  ", true);
        }
        if (macs.isPresent() && !macs.get().perNode().isEmpty()) {
            List<Macs.NodeMacs> top = new ArrayList<>(macs.get().perNode());
            top.sort(Comparator.comparingLong(Macs.NodeMacs::macs).reversed());
            int shown = Math.min(10, top.size());
            sb.append("\nMACs by node").append(top.size() > shown ? " (largest " + shown + " of " + top.size() + ")" : "")
                    .append('\n');
            List<String[]> per = new ArrayList<>();
            for (Macs.NodeMacs n : top.subList(0, shown)) {
                per.add(row(n.node(), n.opType(), number(n.macs())));
            }
            table(sb, per, "  ", true);
        }
        return sb.toString();
    }

    private static void portRows(List<String[]> rows, String label, List<ModelStats.Port> ports, int width) {
        if (ports.isEmpty()) {
            rows.add(row(label, "none"));
        }
        for (int i = 0; i < ports.size(); i++) {
            ModelStats.Port p = ports.get(i);
            rows.add(row(i == 0 ? label : "", pad(Shown.name(p.name()), width) + "  " + p.describe()));
        }
    }

    private static String[] row(String... cells) {
        return cells;
    }

    /** Left-aligned columns; with {@code numbers}, the last column right-aligned. */
    private static void table(StringBuilder sb, List<String[]> given, String indent, boolean numbers) {
        // names come from the file: no control characters or escape sequences reach the terminal, no name runs on
        List<String[]> rows = given.stream().map(r -> java.util.Arrays.stream(r).map(Shown::message)
                .toArray(String[]::new)).toList();
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < r.length; i++) {
                boolean last = i == r.length - 1;
                if (last && numbers) {
                    line.append(" ".repeat(width[i] - r[i].length())).append(r[i]);
                } else {
                    line.append(last ? r[i] : pad(r[i], width[i]));
                }
                if (!last) {
                    line.append("  ");
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    private static String number(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String bytes(long n) {
        String exact = number(n) + " bytes";
        if (n < 10_000) {
            return exact;
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return exact + String.format(Locale.ROOT, " (%.1f %s)", v, units[u]);
    }
}
