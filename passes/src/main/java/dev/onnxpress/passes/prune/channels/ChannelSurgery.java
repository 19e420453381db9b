package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.passes.core.ConstantEditor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies the keep-sets of a {@link ChannelGraph} to the graph: slices producer weights (output axis)
 * and biases, consumer weights (input axis, or the feature rows after a Flatten), depthwise weights
 * (and their group count), BatchNormalization/InstanceNormalization parameters, per-channel constants
 * of element-wise ops, Split sizes, Slice bounds and Reshape targets, then rewrites the declared types
 * of every shrunk tensor so that value_info stays true.
 */
final class ChannelSurgery {
    private final ChannelGraph cg;
    private final Graph graph;
    private final ConstantEditor ed;
    private final long opset;

    ChannelSurgery(ChannelGraph cg, Graph graph, ConstantEditor ed, long opset) {
        this.cg = cg;
        this.graph = graph;
        this.ed = ed;
        this.opset = opset;
    }

    void apply() {
        for (Node n : graph.nodes()) {
            switch (n.opType()) {
                case "Conv", "ConvTranspose" -> conv(n);
                case "Gemm", "MatMul" -> dense(n);
                case "BatchNormalization" -> params(n, 4);
                case "InstanceNormalization" -> params(n, 2);
                case "Split" -> split(n);
                case "Slice" -> slice(n);
                case "Reshape" -> reshape(n);
                case "Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "PRelu", "Pow" -> constants(n);
                default -> { }
            }
        }
        for (Map.Entry<Value, ChannelSegments> e : cg.layouts.entrySet()) {
            retype(e.getKey(), e.getValue());
        }
    }

    private Optional<ChannelSegments> changed(Value v) {
        return cg.layout(v).filter(ChannelSegments::changed);
    }

    private void sliceInput(Node n, int input, int axis, int[] keep) {
        Tensor t = graph.constantValue(n.input(input)).orElseThrow();
        ed.setConstantInput(n, input, TensorSlicer.keep(t, axis, keep), n.input(input).name() + "_pruned");
    }

    private void conv(Node n) {
        boolean transpose = n.opType().equals("ConvTranspose");
        boolean producer = cg.producedBy.containsKey(n);
        if (producer) {
            Optional<ChannelSegments> out = changed(n.output(0));
            if (out.isPresent()) {
                int[] keep = out.get().keptIndices();
                sliceInput(n, 1, transpose ? 1 : 0, keep);
                if (n.hasInput(2)) {
                    sliceInput(n, 2, 0, keep);
                }
            }
            if (cg.consumers.contains(n)) {
                Optional<ChannelSegments> in = changed(n.input(0));
                if (in.isPresent()) {
                    sliceInput(n, 1, transpose ? 0 : 1, in.get().keptIndices());
                }
            }
            return;
        }
        Optional<ChannelSegments> dw = changed(n.input(0));
        if (dw.isPresent() && cg.layouts.get(n.output(0)) == cg.layouts.get(n.input(0))) {
            int[] keep = dw.get().keptIndices();
            sliceInput(n, 1, 0, keep);
            if (n.hasInput(2)) {
                sliceInput(n, 2, 0, keep);
            }
            ed.rewriter().setAttr(n, "group", Attr.of((long) keep.length));
        }
    }

    private void dense(Node n) {
        boolean gemm = n.opType().equals("Gemm");
        boolean transB = gemm && n.attrInt("transB", 0) != 0;
        if (cg.producedBy.containsKey(n)) {
            Optional<ChannelSegments> out = changed(n.output(0));
            if (out.isPresent()) {
                int[] keep = out.get().keptIndices();
                int units = cg.layouts.get(n.output(0)).channels();
                sliceInput(n, 1, transB ? 0 : 1, keep);
                if (gemm && n.hasInput(2)) {
                    long[] c = graph.constantValue(n.input(2)).orElseThrow().dims();
                    if (c.length >= 1 && c[c.length - 1] == units) {
                        sliceInput(n, 2, c.length - 1, keep);
                    }
                }
            }
        }
        if (cg.consumers.contains(n)) {
            Optional<ChannelSegments> in = changed(n.input(0));
            if (in.isPresent()) {
                sliceInput(n, 1, transB ? 1 : 0, in.get().keptFeatures());
            }
        }
    }

    private void params(Node n, int count) {
        Optional<ChannelSegments> in = changed(n.input(0));
        if (in.isEmpty()) {
            return;
        }
        int[] keep = in.get().keptIndices();
        for (int i = 1; i <= count; i++) {
            sliceInput(n, i, 0, keep);
        }
    }

    private void constants(Node n) {
        Optional<ChannelSegments> l = changed(n.output(0));
        if (l.isEmpty()) {
            return;
        }
        int rank = cg.shape(n.output(0)).length;
        for (int i = 0; i < n.inputCount(); i++) {
            Value v = n.input(i);
            Optional<Tensor> c = graph.constantValue(v);
            if (c.isEmpty()) {
                continue;
            }
            long[] d = c.get().dims();
            int pos = l.get().axis() - (rank - d.length);
            if (pos >= 0 && d[pos] == l.get().channels() && d[pos] > 1) {
                sliceInput(n, i, pos, l.get().keptIndices());
            }
        }
    }

    private void split(Node n) {
        ChannelSegments in = cg.layouts.get(n.input(0));
        if (in == null || !in.changed() || cg.layouts.get(n.output(0)) == in) {
            return;
        }
        long[] sizes = new long[n.outputs().size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = cg.layouts.get(n.output(i)).keptChannels();
        }
        if (opset >= 13) {
            Tensor t = Tensor.ofLongs(new long[] {sizes.length}, sizes);
            if (n.hasInput(1)) {
                ed.setConstantInput(n, 1, t, n.input(1).name() + "_pruned");
            } else {
                ed.rewriter().setInput(n, 1, ed.newConstant(graph, n.output(0).name() + "_split", t));
            }
            ed.rewriter().removeAttr(n, "num_outputs");
        } else {
            ed.rewriter().setAttr(n, "split", Attr.ofInts(sizes));
        }
    }

    private void slice(Node n) {
        ChannelSegments in = cg.layouts.get(n.input(0));
        ChannelSegments out = cg.layouts.get(n.output(0));
        if (in == null || out == null || !in.changed() || out == in) {
            return;
        }
        long[] s = cg.shape(n.input(0));
        boolean attrs = opset < 10;
        long[] starts = attrs ? n.attrInts("starts").orElseThrow() : longs(n.input(1));
        long[] ends = attrs ? n.attrInts("ends").orElseThrow() : longs(n.input(2));
        Optional<long[]> axes = attrs ? n.attrInts("axes")
                : n.hasInput(3) ? Optional.of(longs(n.input(3))) : Optional.empty();
        for (int i = 0; i < starts.length; i++) {
            long ax = axes.isPresent() ? axes.get()[i] : i;
            if ((ax < 0 ? ax + s.length : ax) != in.axis()) {
                continue;
            }
            int c = in.channels();
            starts[i] = in.keptBefore((int) ChannelGraph.clampIndex(starts[i], c));
            ends[i] = in.keptBefore((int) ChannelGraph.clampIndex(ends[i], c));
        }
        if (attrs) {
            ed.rewriter().setAttr(n, "starts", Attr.ofInts(starts));
            ed.rewriter().setAttr(n, "ends", Attr.ofInts(ends));
        } else {
            setLongs(n, 1, starts);
            setLongs(n, 2, ends);
        }
    }

    private void reshape(Node n) {
        ChannelSegments in = cg.layouts.get(n.input(0));
        ChannelSegments out = cg.layouts.get(n.output(0));
        if (in == null || out == null || !in.changed()) {
            return;
        }
        long[] target = longs(n.input(1));
        int at = out.inner() == in.inner() ? out.axis() : 1;
        if (target[at] > 0) {
            target[at] = (long) out.keptChannels() * out.inner();
            setLongs(n, 1, target);
        }
    }

    private long[] longs(Value v) {
        return graph.constantValue(v).orElseThrow().toLongArray();
    }

    private void setLongs(Node n, int input, long[] values) {
        Tensor old = graph.constantValue(n.input(input)).orElseThrow();
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        DataType type = old.dataType();
        ed.setConstantInput(n, input, Tensor.of(type, old.dims(), d), n.input(input).name() + "_pruned");
    }

    private void retype(Value v, ChannelSegments l) {
        if (!l.changed()) {
            return;
        }
        Optional<ValueType.TensorType> t = v.tensorType();
        if (t.isEmpty() || t.get().shape().isEmpty() || t.get().shape().get().size() <= l.axis()) {
            return;
        }
        List<Dim> dims = new ArrayList<>(t.get().shape().get());
        if (dims.get(l.axis()).isKnown()) {
            dims.set(l.axis(), Dim.of((long) l.keptChannels() * l.inner()));
            ed.rewriter().setType(v, ValueType.TensorType.of(t.get().elemType(), dims));
        }
    }
}
