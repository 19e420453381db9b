package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The dependency analysis of {@code prune_channels}: walks the main graph in topological order and
 * gives every float tensor whose channels could shrink a {@link ChannelSegments}. Producers (Conv,
 * ConvTranspose with group 1, Gemm, MatMul with constant weights) open a new {@link ChannelSpace};
 * element-wise ops whose operands both carry channels merge their spaces (residual Add, SE Mul); Concat
 * concatenates layouts; Split and Slice on the channel axis cut them; depthwise Conv, BatchNormalization,
 * activations, pooling, Pad, Resize, Squeeze/Unsqueeze, Transpose and Reshape carry them through;
 * Flatten (or a Reshape to [N, C·S]) turns channels into blocks of features for a Gemm/MatMul.
 * Any other reader, a graph output, or a read from a subgraph blocks the spaces it touches, with the
 * reason. Values without a layout (graph inputs, outputs of unknown ops) never change shape.
 */
final class ChannelGraph {
    private final Graph graph;
    private final long opset;
    private final Map<Value, long[]> shapes;
    final Map<Value, ChannelSegments> layouts = new IdentityHashMap<>();
    final List<ChannelSpace> spaces = new ArrayList<>();
    /** BatchNormalization nodes reading a layout (for bn_gamma scores). */
    final List<Node> batchNorms = new ArrayList<>();
    /** Conv/Gemm/MatMul nodes whose input channels come from a layout (activation scores, compensation). */
    final List<Node> consumers = new ArrayList<>();
    /** Where the space of a producer was opened. */
    final Map<Node, ChannelSpace> producedBy = new IdentityHashMap<>();

    private static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish",
            "Tanh", "Clip", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Exp", "Log", "Neg", "Abs", "Sqrt",
            "Reciprocal", "Erf", "Gelu", "Mish", "Identity", "Dropout", "Floor", "Ceil", "Round", "Sign",
            "ThresholdedRelu", "Sin", "Cos", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
            "LpPool", "GlobalLpPool");
    private static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean",
            "PRelu", "Pow");

    private ChannelGraph(Graph graph, long opset, Map<Value, long[]> shapes) {
        this.graph = graph;
        this.opset = opset;
        this.shapes = shapes;
    }

    static ChannelGraph analyze(Graph graph, long opset, Map<Value, long[]> shapes) {
        ChannelGraph cg = new ChannelGraph(graph, opset, shapes);
        for (Node n : graph.nodes()) {
            cg.visit(n);
        }
        cg.blockEscapes();
        return cg;
    }

    Optional<ChannelSegments> layout(Value v) {
        return Optional.ofNullable(layouts.get(v));
    }

    /** The representatives of every space, in creation order. */
    List<ChannelSpace> roots() {
        Set<ChannelSpace> out = new LinkedHashSet<>();
        for (ChannelSpace s : spaces) {
            out.add(s.find());
        }
        return List.copyOf(out);
    }

    long[] shape(Value v) {
        Optional<Tensor> c = graph.constantValue(v);
        return c.isPresent() ? c.get().dims() : shapes.get(v);
    }

    // ------------------------------------------------------------------ the rules

    private void visit(Node n) {
        if (!n.isStandard()) {
            blockInputs(n, "read by custom op " + n.domain() + "." + n.opType() + " '" + n.label() + "'");
            return;
        }
        String op = n.opType();
        switch (op) {
            case "Conv", "ConvTranspose" -> conv(n);
            case "Gemm" -> gemm(n);
            case "MatMul" -> matMul(n);
            case "BatchNormalization", "InstanceNormalization" -> perChannelParams(n);
            case "Concat" -> concat(n);
            case "Split" -> split(n);
            case "Slice" -> slice(n);
            case "Flatten" -> flatten(n);
            case "Reshape" -> reshape(n);
            case "Transpose" -> transpose(n);
            case "Squeeze", "Unsqueeze" -> squeeze(n);
            case "Pad" -> pad(n);
            case "Resize", "Upsample" -> resize(n);
            case "Softmax", "LogSoftmax" -> softmax(n);
            case "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceL2", "ReduceL1" -> reduce(n);
            case "Constant" -> { }
            default -> {
                if (UNARY.contains(op)) {
                    passThrough(n, 0);
                } else if (BINARY.contains(op)) {
                    elementwise(n);
                } else {
                    blockInputs(n, "read by " + op + " '" + n.label() + "', which prune_channels cannot follow");
                }
            }
        }
    }

    private ChannelSpace newSpace(int size, Optional<Node> producer) {
        ChannelSpace s = new ChannelSpace(size);
        producer.ifPresent(p -> {
            s.producers.add(p);
            producedBy.put(p, s);
        });
        spaces.add(s);
        return s;
    }

    private void blockInputs(Node n, String reason) {
        for (Value v : n.inputs()) {
            ChannelSegments l = layouts.get(v);
            if (l != null) {
                l.block(reason);
            }
        }
    }

    /** Blocks layouts on any input other than those listed: those ops read only one channel-carrying input. */
    private boolean onlyInputs(Node n, int... allowed) {
        for (int i = 0; i < n.inputCount(); i++) {
            boolean ok = false;
            for (int a : allowed) {
                ok |= a == i;
            }
            if (!ok && layouts.containsKey(n.input(i))) {
                blockInputs(n, n.opType() + " '" + n.label() + "' reads channels on input " + i);
                return false;
            }
        }
        return true;
    }

    private void passThrough(Node n, int input) {
        ChannelSegments l = layouts.get(n.input(input));
        if (l == null || !onlyInputs(n, input)) {
            return;
        }
        layouts.put(n.output(0), l);
        for (int i = 1; i < n.outputs().size(); i++) {
            if (!n.output(i).isNone()) {
                // Dropout's mask, MaxPool's indices: carried channels the pass would have to rewrite
                l.block(n.opType() + " '" + n.label() + "' has a second output");
            }
        }
    }

    private Optional<Tensor> weight(Node n, int i) {
        Optional<Tensor> t = graph.constantValue(n.input(i));
        return t.filter(x -> x.dataType().isFloatingPoint());
    }

    private void conv(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        Optional<Tensor> w = weight(n, 1);
        boolean transpose = n.opType().equals("ConvTranspose");
        long group = n.attrInt("group", 1);
        boolean biasOk = !n.hasInput(2) || weight(n, 2).isPresent();
        if (w.isEmpty() || w.get().rank() < 3 || !biasOk || !onlyInputs(n, 0)) {
            if (in != null) {
                in.block(n.opType() + " '" + n.label() + "' has no constant float weight");
            }
            return;
        }
        long[] wd = w.get().dims();
        if (group == 1) {
            if (in != null) {
                long cin = transpose ? wd[0] : wd[1];
                if (in.axis() != 1 || in.inner() != 1 || in.channels() != cin) {
                    in.block(n.opType() + " '" + n.label() + "' reads channels it cannot map");
                } else {
                    consumers.add(n);
                }
            }
            int cout = (int) (transpose ? wd[1] : wd[0]);
            layouts.put(n.output(0), ChannelSegments.of(newSpace(cout, Optional.of(n)), 1));
            return;
        }
        boolean depthwise = !transpose && in != null && in.axis() == 1 && in.inner() == 1
                && group == in.channels() && wd[0] == group && wd[1] == 1;
        if (depthwise) {
            layouts.put(n.output(0), in);
            return;
        }
        if (in != null) {
            in.block("grouped " + n.opType() + " '" + n.label() + "' (group " + group + ") is not depthwise");
        }
    }

    private void gemm(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        Optional<Tensor> b = weight(n, 1);
        boolean biasOk = !n.hasInput(2) || weight(n, 2).isPresent();
        if (b.isEmpty() || b.get().rank() != 2 || !biasOk || !onlyInputs(n, 0)) {
            if (in != null) {
                in.block("Gemm '" + n.label() + "' has no constant float weight");
            }
            return;
        }
        long[] bd = b.get().dims();
        boolean transB = n.attrInt("transB", 0) != 0;
        long k = transB ? bd[1] : bd[0];
        if (in != null) {
            if (n.attrInt("transA", 0) != 0 || in.axis() != 1 || (long) in.channels() * in.inner() != k) {
                in.block("Gemm '" + n.label() + "' reads channels it cannot map (transA or shape)");
            } else {
                consumers.add(n);
            }
        }
        int units = (int) (transB ? bd[0] : bd[1]);
        layouts.put(n.output(0), ChannelSegments.of(newSpace(units, Optional.of(n)), 1));
    }

    private void matMul(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        Optional<Tensor> b = weight(n, 1);
        long[] ash = shape(n.input(0));
        if (b.isEmpty() || b.get().rank() != 2 || ash == null || ash.length < 2 || !onlyInputs(n, 0)) {
            if (in != null) {
                in.block("MatMul '" + n.label() + "' has no constant 2-D float weight");
            }
            return;
        }
        long[] bd = b.get().dims();
        if (in != null) {
            if (in.axis() != ash.length - 1 || (long) in.channels() * in.inner() != bd[0]) {
                in.block("MatMul '" + n.label() + "' reads channels on another axis than its last");
            } else {
                consumers.add(n);
            }
        }
        layouts.put(n.output(0), ChannelSegments.of(newSpace((int) bd[1], Optional.of(n)), ash.length - 1));
    }

    private void perChannelParams(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null) {
            return;
        }
        int params = n.opType().equals("BatchNormalization") ? 4 : 2;
        for (int i = 1; i <= params; i++) {
            Optional<Tensor> t = weight(n, i);
            if (t.isEmpty() || t.get().rank() != 1 || t.get().dim(0) != in.channels()) {
                in.block(n.opType() + " '" + n.label() + "' has no constant per-channel parameters");
                return;
            }
        }
        if (in.axis() != 1 || in.inner() != 1) {
            in.block(n.opType() + " '" + n.label() + "' normalizes another axis than the channels");
            return;
        }
        if (n.opType().equals("BatchNormalization")) {
            batchNorms.add(n);
        }
        passThrough(n, 0);
    }

    private void elementwise(Node n) {
        long[] out = shapes.get(n.output(0));
        if (out == null) {
            blockInputs(n, "no shape known for '" + n.output(0).name() + "'");
            return;
        }
        int rank = out.length;
        ChannelSegments lead = null;
        for (Value v : n.inputs()) {
            ChannelSegments l = layouts.get(v);
            long[] s = shape(v);
            if (l != null && s != null && s.length == rank && s[l.axis()] == out[l.axis()]) {
                lead = l;
                break;
            }
        }
        if (lead == null) {
            blockInputs(n, n.opType() + " '" + n.label() + "' broadcasts channels");
            return;
        }
        String where = n.opType() + " '" + n.label() + "'";
        for (Value v : n.inputs()) {
            if (v.isNone()) {
                continue;
            }
            ChannelSegments l = layouts.get(v);
            long[] s = shape(v);
            if (s == null) {
                lead.block("no shape known for '" + v.name() + "'");
                return;
            }
            int pos = lead.axis() - (rank - s.length);
            long dim = pos < 0 ? 1 : s[pos];
            if (l == lead) {
                continue;
            }
            if (l != null) {
                if (s.length == rank && l.axis() == lead.axis() && l.inner() == lead.inner()
                        && l.channels() == lead.channels()) {
                    unify(lead, l, where);
                } else {
                    l.block(where + " broadcasts these channels");
                    lead.block(where + " broadcasts channels onto these");
                }
            } else if (dim != 1 && (!graph.isConstant(v) || lead.inner() != 1 || dim != lead.channels())) {
                lead.block(where + " combines these channels with '" + v.name() + "', which cannot shrink");
            }
        }
        layouts.put(n.output(0), lead);
    }

    private void unify(ChannelSegments a, ChannelSegments b, String where) {
        if (a.segs().size() == b.segs().size()) {
            boolean whole = true;
            for (int i = 0; i < a.segs().size(); i++) {
                whole &= a.segs().get(i).whole() && b.segs().get(i).whole()
                        && a.segs().get(i).length() == b.segs().get(i).length();
            }
            if (whole) {
                for (int i = 0; i < a.segs().size(); i++) {
                    ChannelSpace.union(a.segs().get(i).space(), b.segs().get(i).space(), where);
                }
                return;
            }
        }
        a.block(where + " joins differently cut channels");
        b.block(where + " joins differently cut channels");
    }

    private int normAxis(long axis, int rank) {
        return (int) (axis < 0 ? axis + rank : axis);
    }

    private void concat(Node n) {
        long[] out = shapes.get(n.output(0));
        boolean any = n.inputs().stream().anyMatch(layouts::containsKey);
        if (!any) {
            return;
        }
        if (out == null) {
            blockInputs(n, "no shape known for '" + n.output(0).name() + "'");
            return;
        }
        int axis = normAxis(n.attrInt("axis", 1), out.length);
        List<ChannelSegments> parts = new ArrayList<>();
        for (Value v : n.inputs()) {
            ChannelSegments l = layouts.get(v);
            long[] s = shape(v);
            if (l != null && (l.axis() != axis || l.inner() != 1)) {
                blockInputs(n, "Concat '" + n.label() + "' joins tensors along another axis than their channels");
                return;
            }
            if (l == null) {
                if (s == null || s.length != out.length) {
                    blockInputs(n, "no shape known for '" + v.name() + "'");
                    return;
                }
                ChannelSpace fixed = newSpace((int) s[axis], Optional.empty());
                fixed.block("'" + v.name() + "' cannot shrink");
                l = ChannelSegments.of(fixed, axis);
            }
            parts.add(l);
        }
        layouts.put(n.output(0), ChannelSegments.concat(parts, axis));
    }

    private Optional<long[]> ints(Node n, int input, String attr) {
        if (n.hasInput(input)) {
            return graph.constantValue(n.input(input)).map(Tensor::toLongArray);
        }
        return n.attrInts(attr);
    }

    private void split(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null || !onlyInputs(n, 0)) {
            return;
        }
        long[] s = shape(n.input(0));
        int axis = normAxis(n.attrInt("axis", 0), s == null ? 0 : s.length);
        if (axis != in.axis()) {
            n.outputs().forEach(o -> layouts.put(o, in));
            return;
        }
        if (in.inner() != 1) {
            in.block("Split '" + n.label() + "' cuts flattened features");
            return;
        }
        long[] sizes = new long[n.outputs().size()];
        for (int i = 0; i < sizes.length; i++) {
            long[] os = shapes.get(n.output(i));
            if (os == null) {
                in.block("no shape known for '" + n.output(i).name() + "'");
                return;
            }
            sizes[i] = os[axis];
        }
        int off = 0;
        for (int i = 0; i < sizes.length; i++) {
            layouts.put(n.output(i), in.range(off, off + (int) sizes[i]));
            off += (int) sizes[i];
        }
    }

    private void slice(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null || !onlyInputs(n, 0)) {
            return;
        }
        long[] s = shape(n.input(0));
        boolean attrs = opset < 10;
        Optional<long[]> starts = attrs ? n.attrInts("starts") : ints(n, 1, "");
        Optional<long[]> ends = attrs ? n.attrInts("ends") : ints(n, 2, "");
        Optional<long[]> axes = attrs ? n.attrInts("axes") : ints(n, 3, "");
        Optional<long[]> steps = attrs ? Optional.empty() : ints(n, 4, "");
        if (starts.isEmpty() || ends.isEmpty() || s == null || (!attrs && n.hasInput(3) && axes.isEmpty())
                || (!attrs && n.hasInput(4) && steps.isEmpty())) {
            in.block("Slice '" + n.label() + "' has no constant bounds");
            return;
        }
        for (int i = 0; i < starts.get().length; i++) {
            int ax = axes.isPresent() ? normAxis(axes.get()[i], s.length) : i;
            if (ax != in.axis()) {
                continue;
            }
            long step = steps.isPresent() ? steps.get()[i] : 1;
            if (step != 1 || in.inner() != 1) {
                in.block("Slice '" + n.label() + "' steps over channels");
                return;
            }
            int c = in.channels();
            int lo = (int) clampIndex(starts.get()[i], c);
            int hi = (int) clampIndex(ends.get()[i], c);
            layouts.put(n.output(0), in.range(lo, Math.max(lo, hi)));
            return;
        }
        layouts.put(n.output(0), in);
    }

    static long clampIndex(long i, long size) {
        long v = i < 0 ? i + size : i;
        return Math.max(0, Math.min(size, v));
    }

    private void flatten(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        long[] s = shape(n.input(0));
        if (in == null) {
            return;
        }
        int axis = normAxis(n.attrInt("axis", 1), s == null ? 0 : s.length);
        if (s == null || in.axis() != 1 || axis != 1) {
            in.block("Flatten '" + n.label() + "' does not keep the channels on one axis");
            return;
        }
        layouts.put(n.output(0), new ChannelSegments(in.segs(), 1, in.inner() * (int) spatial(s, 2)));
    }

    private static long spatial(long[] s, int from) {
        long p = 1;
        for (int i = from; i < s.length; i++) {
            p *= s[i];
        }
        return p;
    }

    private void reshape(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null || !onlyInputs(n, 0)) {
            return;
        }
        long[] s = shape(n.input(0));
        long[] o = shapes.get(n.output(0));
        Optional<long[]> target = ints(n, 1, "shape");
        String why = "Reshape '" + n.label() + "' moves the channels";
        if (s == null || o == null || target.isEmpty() || target.get().length != o.length) {
            in.block(why);
            return;
        }
        int a = in.axis();
        boolean prefixKept = o.length > a;
        for (int i = 0; prefixKept && i <= a && i < s.length; i++) {
            prefixKept = o[i] == s[i];
        }
        if (prefixKept && spatial(o, a + 1) == spatial(s, a + 1) && a < s.length) {
            layouts.put(n.output(0), in);
            return;
        }
        if (o.length == 2 && a == 1 && s.length >= 2 && o[0] == s[0]) {
            layouts.put(n.output(0), new ChannelSegments(in.segs(), 1, in.inner() * (int) spatial(s, 2)));
            return;
        }
        in.block(why);
    }

    private void transpose(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null) {
            return;
        }
        Optional<long[]> perm = n.attrInts("perm");
        long[] s = shape(n.input(0));
        if (in.inner() != 1 || (perm.isEmpty() && s == null)) {
            in.block("Transpose '" + n.label() + "' moves flattened features");
            return;
        }
        long[] p = perm.orElseGet(() -> {
            long[] r = new long[s.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = r.length - 1 - i;
            }
            return r;
        });
        for (int i = 0; i < p.length; i++) {
            if (p[i] == in.axis()) {
                layouts.put(n.output(0), in.withAxis(i));
                return;
            }
        }
        in.block("Transpose '" + n.label() + "' has a bad perm");
    }

    private void squeeze(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null || !onlyInputs(n, 0)) {
            return;
        }
        long[] s = shape(n.input(0));
        long[] o = shapes.get(n.output(0));
        Optional<long[]> axes = ints(n, 1, "axes");
        if (s == null || o == null || axes.isEmpty()) {
            in.block(n.opType() + " '" + n.label() + "' has no constant axes");
            return;
        }
        boolean squeeze = n.opType().equals("Squeeze");
        int axis = in.axis();
        if (squeeze) {
            int shift = 0;
            for (long a : axes.get()) {
                int x = normAxis(a, s.length);
                if (x == axis) {
                    in.block("Squeeze '" + n.label() + "' removes the channel axis");
                    return;
                }
                shift += x < axis ? 1 : 0;
            }
            axis -= shift;
        } else {
            long[] sorted = axes.get().clone();
            for (int i = 0; i < sorted.length; i++) {
                sorted[i] = normAxis(sorted[i], o.length);
            }
            java.util.Arrays.sort(sorted);
            for (long x : sorted) {
                if (x <= axis) {
                    axis++;
                }
            }
        }
        layouts.put(n.output(0), in.withAxis(axis));
    }

    private void pad(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null) {
            return;
        }
        long[] s = shape(n.input(0));
        Optional<long[]> pads = n.hasInput(1) ? ints(n, 1, "") : n.attrInts(opset < 11 ? "pads" : "paddings");
        if (n.hasInput(3) || s == null || pads.isEmpty() || in.inner() != 1
                || pads.get()[in.axis()] != 0 || pads.get()[in.axis() + s.length] != 0) {
            in.block("Pad '" + n.label() + "' pads the channel axis or has no constant pads");
            return;
        }
        passThrough(n, 0);
    }

    private void resize(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null) {
            return;
        }
        long[] s = shape(n.input(0));
        long[] o = shapes.get(n.output(0));
        if (s == null || o == null || o.length != s.length || o[in.axis()] != s[in.axis()]
                || (n.opType().equals("Resize") && n.hasInput(3)) || in.inner() != 1) {
            in.block(n.opType() + " '" + n.label() + "' resizes the channel axis or gives sizes");
            return;
        }
        passThrough(n, 0);
    }

    private void softmax(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null) {
            return;
        }
        long[] s = shape(n.input(0));
        int axis = normAxis(n.attrInt("axis", opset < 13 ? 1 : -1), s == null ? 0 : s.length);
        if (s == null || opset < 13 || axis == in.axis()) {
            in.block(n.opType() + " '" + n.label() + "' normalizes over the channels");
            return;
        }
        passThrough(n, 0);
    }

    private void reduce(Node n) {
        ChannelSegments in = layouts.get(n.input(0));
        if (in == null || !onlyInputs(n, 0)) {
            return;
        }
        long[] s = shape(n.input(0));
        Optional<long[]> axes = ints(n, 1, "axes");
        boolean keep = n.attrInt("keepdims", 1) != 0;
        if (s == null || axes.isEmpty() || axes.get().length == 0 || in.inner() != 1) {
            in.block(n.opType() + " '" + n.label() + "' reduces over the channels");
            return;
        }
        int shift = 0;
        for (long a : axes.get()) {
            int x = normAxis(a, s.length);
            if (x == in.axis()) {
                in.block(n.opType() + " '" + n.label() + "' reduces over the channels");
                return;
            }
            shift += x < in.axis() ? 1 : 0;
        }
        layouts.put(n.output(0), in.withAxis(keep ? in.axis() : in.axis() - shift));
    }

    /** Graph outputs keep their shape; a value read inside a subgraph cannot be followed there. */
    private void blockEscapes() {
        for (Map.Entry<Value, ChannelSegments> e : layouts.entrySet()) {
            Value v = e.getKey();
            if (v.isGraphOutput()) {
                e.getValue().block("reaches graph output '" + v.name() + "'");
            }
            for (Value.Use u : v.uses()) {
                if (u.node().graph() != graph) {
                    e.getValue().block("read inside a subgraph of '" + u.node().label() + "'");
                }
            }
            long[] s = shapes.get(v);
            if (s == null && !v.isGraphOutput()) {
                e.getValue().block("no shape known for '" + v.name() + "'");
            }
        }
    }
}
