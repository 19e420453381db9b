package dev.onnxpress.analysis;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small static shape inference over one graph, for the fold passes: the dims of each value as far
 * as they follow from declared types, constants and the ONNX shape rules of common ops (elementwise
 * broadcasting, Conv and pooling, Reshape with a constant shape,
 * Transpose, Concat, Flatten, Gemm, MatMul, Unsqueeze/Squeeze, Slice with constant arguments, Resize with
 * constant scales or sizes, Shape, Gather, reductions, and the single-output ops that keep their input shape).
 *
 * <p>Dims are {@code -1} where unknown (a symbolic batch stays unknown); a value is absent when even its
 * rank is unknown. Inference never guesses: an op it does not know keeps its declared output type, and an
 * inferred dim that contradicts a declared known dim makes the inferred shape unknown (the declaration
 * wins, as ONNX Runtime would fail on such a model rather than use either).
 */
public final class StaticShapes {
    private final Map<Value, long[]> dims = new IdentityHashMap<>();
    private final Map<Value, Partial> partials = new IdentityHashMap<>();
    /** Node outputs whose declared shape contradicts what the node makes, with the inferred dims. */
    private final Map<Value, long[]> contradicted = new IdentityHashMap<>();

    /**
     * One element of a small integer tensor computed from shapes: a known number, or "dim {@code dim} of
     * {@code source}" when that dim is not statically known.
     */
    public record Element(long known, Value source, int dim) {
        public boolean isKnown() {
            return source == null;
        }

        static Element of(long v) {
            return new Element(v, null, -1);
        }
    }

    /** The elements of a scalar or 1-D integer value built from Shape (Shape, Cast, Slice, Gather, Concat, …). */
    public record Partial(dev.onnxpress.ir.DataType type, boolean scalar, List<Element> elements) {
        public Partial {
            elements = List.copyOf(elements);
        }

        /** The value as a tensor when every element is known. */
        public Optional<Tensor> tensor() {
            long[] v = new long[elements.size()];
            for (int i = 0; i < v.length; i++) {
                if (!elements.get(i).isKnown()) {
                    return Optional.empty();
                }
                v[i] = elements.get(i).known();
            }
            long[] d = scalar ? new long[0] : new long[] {v.length};
            double[] asDouble = new double[v.length];
            if (type == dev.onnxpress.ir.DataType.INT64) {
                return Optional.of(Tensor.ofLongs(d, v));
            }
            for (int i = 0; i < v.length; i++) {
                asDouble[i] = v[i];
            }
            return Optional.of(Tensor.of(type, d, asDouble));
        }
    }
    private final Graph graph;
    private final long opset;
    /** A declaration that contradicts the node gives way to what the node makes (for checking declarations). */
    private boolean producersWin;

    private StaticShapes(Graph graph, long opset) {
        this.graph = graph;
        this.opset = opset;
    }

    /**
     * Like {@link #infer}, but where a node output's declared shape contradicts what the node makes, the node
     * wins, so values further down are inferred from what is really there: what declarations are checked
     * against ({@link #contradiction}).
     */
    public static StaticShapes inferFromProducers(Graph g, long opset) {
        StaticShapes s = new StaticShapes(g, opset);
        s.producersWin = true;
        for (Node n : g.nodes()) {
            s.visit(n);
        }
        return s;
    }

    /** Infers shapes for every node of {@code g} (not its subgraphs), in topological order. */
    public static StaticShapes infer(Graph g, long opset) {
        StaticShapes s = new StaticShapes(g, opset);
        for (Node n : g.nodes()) {
            s.visit(n);
        }
        return s;
    }

    /** Dims of {@code v} with -1 where unknown, or empty when its rank is unknown. */
    public Optional<long[]> dims(Value v) {
        long[] d = lookup(v);
        return d == null ? Optional.empty() : Optional.of(d.clone());
    }

    /** Dims of {@code v} when every one is known. */
    public Optional<long[]> knownDims(Value v) {
        long[] d = lookup(v);
        if (d == null) {
            return Optional.empty();
        }
        for (long x : d) {
            if (x < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(d.clone());
    }

    /** What is known of the elements of a small integer value computed from shapes. */
    public Optional<Partial> partial(Value v) {
        if (v == null || v.isNone()) {
            return Optional.empty();
        }
        Partial p = partials.get(v);
        return p != null ? Optional.of(p) : constant(v).flatMap(StaticShapes::partialOf);
    }

    private static final int MAX_PARTIAL = 64;

    private static Optional<Partial> partialOf(Tensor t) {
        if (!(t.dataType() == dev.onnxpress.ir.DataType.INT64 || t.dataType() == dev.onnxpress.ir.DataType.INT32)
                || t.rank() > 1 || t.elementCount() > MAX_PARTIAL) {
            return Optional.empty();
        }
        List<Element> e = new java.util.ArrayList<>();
        for (long x : t.toLongArray()) {
            e.add(Element.of(x));
        }
        return Optional.of(new Partial(t.dataType(), t.rank() == 0, e));
    }

    /** The rank of {@code v} if known. */
    public Optional<Integer> rank(Value v) {
        long[] d = lookup(v);
        return d == null ? Optional.empty() : Optional.of(d.length);
    }

    private long[] lookup(Value v) {
        if (v == null || v.isNone()) {
            return null;
        }
        long[] d = dims.get(v);
        if (d != null) {
            return d;
        }
        Optional<Tensor> c = constant(v);
        if (c.isPresent()) {
            return c.get().dims();
        }
        return declared(v);
    }

    private static long[] declared(Value v) {
        return v.tensorType().flatMap(ValueType.TensorType::knownDims).orElse(null);
    }

    private Optional<Tensor> constant(Value v) {
        Graph g = v.graph() == null ? graph : v.graph();
        return g.constantValue(v);
    }

    private long[] in(Node n, int i) {
        return n.hasInput(i) ? lookup(n.input(i)) : null;
    }

    private Optional<long[]> constInts(Node n, int i) {
        if (!n.hasInput(i)) {
            return Optional.empty();
        }
        return constant(n.input(i)).filter(t -> t.dataType().isInteger()).map(Tensor::toLongArray);
    }

    /*
     * MALFORMED: the exceptions a malformed node (one ONNX Runtime would reject) makes the shape arithmetic
     * throw, and the only ones visit() turns into "unknown": ArithmeticException (a zero stride or divisor, an
     * int overflow), IllegalArgumentException (shapes that do not broadcast), IllegalStateException (an
     * attribute of another kind, from Attr), IndexOutOfBoundsException (an axis, perm entry or index out of
     * range) and NegativeArraySizeException (an axis beyond the rank when sizing the result).
     */
    private void visit(Node n) {
        if (n.outputs().isEmpty() || n.output(0).isNone()) {
            return;
        }
        long[] out;
        try {
            out = n.isStandard() ? infer(n) : null;
        } catch (ArithmeticException | IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException
                | NegativeArraySizeException e) {
            // What a malformed node makes shape arithmetic throw (see MALFORMED): leave the shape to the
            // declaration. Anything else is a bug here and propagates.
            out = null;
        }
        Value o = n.output(0);
        if (n.isStandard() && n.outputs().size() == 1) {
            try {
                Partial p = partialOf(n);
                if (p != null) {
                    partials.put(o, p);
                }
            } catch (ArithmeticException | IllegalArgumentException | IllegalStateException
                    | IndexOutOfBoundsException | NegativeArraySizeException e) {
                // malformed (see MALFORMED): nothing known
            }
        }
        long[] decl = declared(o);
        if (out == null) {
            return;
        }
        if (decl != null) {
            long[] merged = merge(out, decl);
            if (merged == null) {
                contradicted.put(o, out);
                if (producersWin) {
                    dims.put(o, out);
                }
                return;
            }
            out = merged;
        }
        dims.put(o, out);
    }

    /**
     * The dims a node makes for its first output where the output's declared shape (value_info) contradicts
     * them (another rank, or another size where both are known); empty otherwise.
     */
    public Optional<long[]> contradiction(Value v) {
        long[] d = contradicted.get(v);
        return d == null ? Optional.empty() : Optional.of(d.clone());
    }

    /** Inferred and declared dims combined, or null when they contradict each other. */
    private static long[] merge(long[] inferred, long[] decl) {
        if (inferred.length != decl.length) {
            return null;
        }
        long[] out = inferred.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] < 0) {
                out[i] = decl[i];
            } else if (decl[i] >= 0 && decl[i] != out[i]) {
                return null;
            }
        }
        return out;
    }

    private Partial partialOf(Node n) {
        switch (n.opType()) {
            case "Shape":
                return partialShape(n);
            case "Identity":
                return partial(n.input(0)).orElse(null);
            case "Cast":
                return partialCast(n);
            case "Slice":
                return partialSlice(n);
            case "Gather":
                return partialGather(n);
            case "Unsqueeze", "Squeeze":
                return partialSqueeze(n);
            case "Concat":
                return partialConcat(n);
            default:
                return null;
        }
    }

    /** Shape: the known input dims, unknown ones as symbols of the input. */
    private Partial partialShape(Node n) {
        long[] x = in(n, 0);
        if (x == null) {
            return null;
        }
        int r = x.length;
        int s = (int) clampAxis(n.attrInt("start", 0), r);
        int e = (int) clampAxis(n.attrInt("end", r), r);
        List<Element> out = new java.util.ArrayList<>();
        for (int i = s; i < e; i++) {
            out.add(x[i] >= 0 ? Element.of(x[i]) : new Element(0, n.input(0), i));
        }
        return new Partial(dev.onnxpress.ir.DataType.INT64, false, out);
    }

    /** Cast to an integer type keeps the elements. */
    private Partial partialCast(Node n) {
        // dims and shape arithmetic fit int32; other targets change values (float rounding, bool)
        Optional<dev.onnxpress.ir.DataType> to = dev.onnxpress.ir.DataType.fromCode((int) n.attrInt("to", 0));
        if (to.isEmpty() || to.get() != dev.onnxpress.ir.DataType.INT64 && to.get() != dev.onnxpress.ir.DataType.INT32) {
            return null;
        }
        return partial(n.input(0)).map(p -> new Partial(to.get(), p.scalar(), p.elements())).orElse(null);
    }

    /** Slice of a 1-D partial along its one axis (starts/ends constant). */
    private Partial partialSlice(Node n) {
        Partial p = partial(n.input(0)).orElse(null);
        if (p == null || p.scalar()) {
            return null;
        }
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (opset < 10) {
            starts = n.attrInts("starts").orElse(null);
            ends = n.attrInts("ends").orElse(null);
            axes = n.attrInts("axes").orElse(null);
        } else {
            starts = constInts(n, 1).orElse(null);
            ends = constInts(n, 2).orElse(null);
            axes = n.hasInput(3) ? constInts(n, 3).orElse(null) : new long[] {0};
            steps = n.hasInput(4) ? constInts(n, 4).orElse(null) : new long[] {1};
            if (steps == null) {
                return null;
            }
        }
        if (starts == null || ends == null || starts.length != 1 || ends.length != 1
                || axes != null && (axes.length != 1 || axes[0] != 0 && axes[0] != -1)
                || steps != null && (steps.length != 1 || steps[0] == 0)) {
            return null;
        }
        long d = p.elements().size();
        long step = steps == null ? 1 : steps[0];
        long st = starts[0] < 0 ? starts[0] + d : starts[0];
        long en = ends[0] < 0 && ends[0] > Long.MIN_VALUE / 2 ? ends[0] + d : ends[0];
        List<Element> out = new java.util.ArrayList<>();
        if (step > 0) {
            st = Math.max(0, Math.min(d, st));
            en = Math.max(0, Math.min(d, en));
            for (long i = st; i < en; i += step) {
                out.add(p.elements().get((int) i));
            }
        } else {
            st = Math.max(-1, Math.min(d - 1, st));
            en = Math.max(-1, Math.min(d - 1, en));
            for (long i = st; i > en; i += step) {
                out.add(p.elements().get((int) i));
            }
        }
        return new Partial(p.type(), false, out);
    }

    /** Gather of constant indices from a 1-D partial. */
    private Partial partialGather(Node n) {
        Partial p = partial(n.input(0)).orElse(null);
        Optional<Tensor> idx = constant(n.input(1));
        if (p == null || p.scalar() || idx.isEmpty() || idx.get().rank() > 1 || n.attrInt("axis", 0) != 0
                && n.attrInt("axis", 0) != -1) {
            return null;
        }
        int d = p.elements().size();
        List<Element> out = new java.util.ArrayList<>();
        for (long i : idx.get().toLongArray()) {
            long k = i < 0 ? i + d : i;
            if (k < 0 || k >= d) {
                return null;
            }
            out.add(p.elements().get((int) k));
        }
        return new Partial(p.type(), idx.get().rank() == 0, out);
    }

    /** (Un)squeeze between a scalar and a 1-element vector. */
    private Partial partialSqueeze(Node n) {
        Partial p = partial(n.input(0)).orElse(null);
        long[] x = in(n, 0);
        long[] y = n.is("Unsqueeze") ? unsqueeze(n, x) : squeeze(n, x);
        if (p == null || y == null || y.length > 1) {
            return null;
        }
        return new Partial(p.type(), y.length == 0, p.elements());
    }

    /** Concat of 1-D partials of one type. */
    private Partial partialConcat(Node n) {
        if (n.attrInt("axis", 0) != 0 && n.attrInt("axis", 0) != -1) {
            return null;
        }
        List<Element> out = new java.util.ArrayList<>();
        dev.onnxpress.ir.DataType type = null;
        for (Value v : n.inputs()) {
            Partial p = partial(v).orElse(null);
            if (p == null || p.scalar() || type != null && p.type() != type) {
                return null;
            }
            type = p.type();
            out.addAll(p.elements());
        }
        return type == null || out.size() > MAX_PARTIAL ? null : new Partial(type, false, out);
    }

    private long[] infer(Node n) {
        long[] x = in(n, 0);
        switch (n.opType()) {
            case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus",
                    "Softsign", "Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "Round", "Erf",
                    "Not", "Sign", "Sin", "Cos", "Identity", "Cast", "Clip", "Softmax", "LogSoftmax", "Hardmax",
                    "BatchNormalization", "InstanceNormalization", "LRN", "Dropout", "LayerNormalization", "Mish",
                    "Gelu", "ThresholdedRelu", "Celu", "IsNaN", "IsInf", "CastLike":
                return x;
            case "PRelu":
                return x == null ? null : broadcast(x, in(n, 1));
            case "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                    "And", "Or", "Xor", "Mod", "BitShift":
                return broadcast(x, in(n, 1));
            case "Max", "Min", "Sum", "Mean", "Where": {
                long[] r = x;
                for (int i = 1; i < n.inputCount() && r != null; i++) {
                    r = broadcast(r, in(n, i));
                }
                return r;
            }
            case "Shape":
                return inferShape(n, x);
            case "Size":
                return new long[0];
            case "Conv":
                return conv(n, x, in(n, 1));
            case "MaxPool", "AveragePool", "LpPool":
                return pool(n, x);
            case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool":
                return inferGlobalPool(x);
            case "Reshape":
                return reshape(n, x);
            case "Flatten":
                return inferFlatten(n, x);
            case "Transpose":
                return inferTranspose(n, x);
            case "Concat":
                return concat(n);
            case "Gemm":
                return inferGemm(n, x);
            case "MatMul":
                return matmul(x, in(n, 1));
            case "Unsqueeze":
                return unsqueeze(n, x);
            case "Squeeze":
                return squeeze(n, x);
            case "Slice":
                return slice(n, x);
            case "Resize", "Upsample":
                return resize(n, x);
            case "Gather":
                return inferGather(n, x);
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceL1",
                    "ReduceSumSquare", "ReduceLogSumExp":
                return reduce(n, x);
            default:
                return null;
        }
    }

    /** Shape: a vector of end − start dims. */
    private static long[] inferShape(Node n, long[] x) {
        if (x == null) {
            return null;
        }
        int r = x.length;
        long s = clampAxis(n.attrInt("start", 0), r);
        long e = clampAxis(n.attrInt("end", r), r);
        return new long[] {Math.max(0, e - s)};
    }

    /** Global pooling: spatial dims become 1. */
    private static long[] inferGlobalPool(long[] x) {
        if (x == null || x.length < 2) {
            return null;
        }
        long[] r = x.clone();
        Arrays.fill(r, 2, r.length, 1);
        return r;
    }

    /** Flatten: [product before axis, product from axis]. */
    private static long[] inferFlatten(Node n, long[] x) {
        if (x == null) {
            return null;
        }
        int axis = (int) n.attrInt("axis", 1);
        axis = axis < 0 ? axis + x.length : axis;
        if (axis < 0 || axis > x.length) {
            return null;
        }
        return new long[] {product(x, 0, axis), product(x, axis, x.length)};
    }

    /** Transpose by perm (reversed dims without it). */
    private static long[] inferTranspose(Node n, long[] x) {
        if (x == null) {
            return null;
        }
        long[] perm = n.attrInts("perm").orElse(null);
        long[] r = new long[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[perm == null ? x.length - 1 - i : (int) perm[i]];
        }
        return r;
    }

    /** Gemm: [M, N] after the transposes. */
    private long[] inferGemm(Node n, long[] x) {
        long[] b = in(n, 1);
        if (x == null || b == null || x.length != 2 || b.length != 2) {
            return null;
        }
        long m = n.attrInt("transA", 0) != 0 ? x[1] : x[0];
        long nn = n.attrInt("transB", 0) != 0 ? b[0] : b[1];
        return new long[] {m, nn};
    }

    /** Gather: the indices' dims replace the axis. */
    private long[] inferGather(Node n, long[] x) {
        long[] idx = in(n, 1);
        if (x == null || idx == null) {
            return null;
        }
        int axis = (int) n.attrInt("axis", 0);
        axis = axis < 0 ? axis + x.length : axis;
        long[] r = new long[x.length - 1 + idx.length];
        int k = 0;
        for (int i = 0; i < axis; i++) {
            r[k++] = x[i];
        }
        for (long d : idx) {
            r[k++] = d;
        }
        for (int i = axis + 1; i < x.length; i++) {
            r[k++] = x[i];
        }
        return r;
    }

    private static long clampAxis(long a, int r) {
        return Math.max(0, Math.min(r, a < 0 ? a + r : a));
    }

    private static long product(long[] d, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            if (d[i] < 0) {
                return -1;
            }
            p *= d[i];
        }
        return p;
    }

    /** Numpy-style broadcast of two shapes; unknown dims stay unknown unless the other side decides. */
    static long[] broadcast(long[] a, long[] b) {
        if (a == null || b == null) {
            return null;
        }
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i < r - a.length ? 1 : a[i - (r - a.length)];
            long y = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (x == 1) {
                out[i] = y;
            } else if (y == 1) {
                out[i] = x;
            } else if (x < 0) {
                out[i] = y; // y is > 1 (then x must equal it) or unknown
            } else if (y < 0 || x == y) {
                out[i] = x;
            } else {
                throw new IllegalArgumentException("shapes do not broadcast");
            }
        }
        return out;
    }

    private long[] conv(Node n, long[] x, long[] w) {
        if (x == null || w == null || x.length < 3 || w.length != x.length) {
            return null;
        }
        int sp = x.length - 2;
        long[] kernel = n.attrInts("kernel_shape").orElse(Arrays.copyOfRange(w, 2, w.length));
        long[] r = new long[x.length];
        r[0] = x[0];
        r[1] = w[0];
        return spatial(n, x, kernel, r, sp, false) ? r : null;
    }

    private long[] pool(Node n, long[] x) {
        if (x == null || x.length < 3) {
            return null;
        }
        long[] kernel = n.attrInts("kernel_shape").orElse(null);
        if (kernel == null || n.outputs().size() > 1 && !n.output(1).isNone()) {
            return null;
        }
        long[] r = new long[x.length];
        r[0] = x[0];
        r[1] = x[1];
        return spatial(n, x, kernel, r, x.length - 2, n.attrInt("ceil_mode", 0) != 0) ? r : null;
    }

    /** Fills the spatial dims of {@code r} following the ONNX Conv/Pool output size rules. */
    private static boolean spatial(Node n, long[] x, long[] kernel, long[] r, int sp, boolean ceil) {
        if (kernel.length != sp) {
            return false;
        }
        long[] strides = n.attrInts("strides").orElse(ones(sp));
        long[] dil = n.attrInts("dilations").orElse(ones(sp));
        long[] pads = n.attrInts("pads").orElse(new long[2 * sp]);
        String autoPad = n.attrString("auto_pad", "NOTSET");
        if (strides.length != sp || dil.length != sp || pads.length != 2 * sp) {
            return false;
        }
        for (int i = 0; i < sp; i++) {
            long in = x[i + 2];
            if (in < 0) {
                r[i + 2] = -1;
                continue;
            }
            long k = dil[i] * (kernel[i] - 1) + 1;
            long s = strides[i];
            switch (autoPad) {
                case "SAME_UPPER", "SAME_LOWER" -> r[i + 2] = (in + s - 1) / s;
                case "VALID" -> r[i + 2] = (in - k) / s + 1;
                case "NOTSET", "" -> {
                    long span = in + pads[i] + pads[i + sp] - k;
                    long o = ceil ? (span + s - 1) / s + 1 : span / s + 1;
                    if (ceil && (o - 1) * s >= in + pads[i]) {
                        o--; // the last window must start inside the input or left padding
                    }
                    r[i + 2] = o;
                }
                default -> {
                    return false;
                }
            }
            if (r[i + 2] <= 0) {
                return false;
            }
        }
        return true;
    }

    private static long[] ones(int n) {
        long[] o = new long[n];
        Arrays.fill(o, 1);
        return o;
    }

    private long[] reshape(Node n, long[] x) {
        Optional<long[]> shape = constInts(n, 1);
        if (shape.isEmpty()) {
            return null;
        }
        long[] s = shape.get().clone();
        boolean allowZero = n.attrInt("allowzero", 0) != 0;
        int minus = -1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0 && !allowZero) {
                if (x == null || i >= x.length) {
                    return null;
                }
                s[i] = x[i];
            } else if (s[i] == -1) {
                if (minus >= 0) {
                    return null;
                }
                minus = i;
            } else if (s[i] < -1) {
                return null;
            }
        }
        if (minus >= 0) {
            long total = x == null ? -1 : product(x, 0, x.length);
            long rest = 1;
            for (int i = 0; i < s.length; i++) {
                if (i != minus) {
                    if (s[i] < 0) {
                        rest = -1;
                        break;
                    }
                    rest *= s[i];
                }
            }
            s[minus] = total < 0 || rest <= 0 || total % rest != 0 ? -1 : total / rest;
        }
        return s;
    }

    private long[] concat(Node n) {
        long[] first = in(n, 0);
        if (first == null) {
            return null;
        }
        int r = first.length;
        long axisAttr = n.attrInt("axis", 0);
        int axis = (int) (axisAttr < 0 ? axisAttr + r : axisAttr);
        long[] out = first.clone();
        for (int i = 1; i < n.inputCount(); i++) {
            long[] d = in(n, i);
            if (d == null || d.length != r) {
                return null;
            }
            for (int j = 0; j < r; j++) {
                if (j == axis) {
                    out[j] = out[j] < 0 || d[j] < 0 ? -1 : out[j] + d[j];
                } else if (out[j] < 0) {
                    out[j] = d[j];
                }
            }
        }
        return out;
    }

    private static long[] matmul(long[] a, long[] b) {
        if (a == null || b == null || a.length == 0 || b.length == 0) {
            return null;
        }
        long[] a2 = a.length == 1 ? new long[] {1, a[0]} : a;
        long[] b2 = b.length == 1 ? new long[] {b[0], 1} : b;
        long[] batch = broadcast(Arrays.copyOf(a2, a2.length - 2), Arrays.copyOf(b2, b2.length - 2));
        int r = batch.length;
        long[] out = Arrays.copyOf(batch, r + 2);
        out[r] = a2[a2.length - 2];
        out[r + 1] = b2[b2.length - 1];
        if (a.length == 1 && b.length == 1) {
            return new long[0];
        }
        if (a.length == 1) {
            return removeAt(out, r);
        }
        if (b.length == 1) {
            return removeAt(out, r + 1);
        }
        return out;
    }

    private static long[] removeAt(long[] d, int i) {
        long[] r = new long[d.length - 1];
        System.arraycopy(d, 0, r, 0, i);
        System.arraycopy(d, i + 1, r, i, d.length - i - 1);
        return r;
    }

    private Optional<long[]> axes(Node n) {
        return opset >= 13 ? constInts(n, 1) : n.attrInts("axes");
    }

    private long[] unsqueeze(Node n, long[] x) {
        Optional<long[]> axes = axes(n);
        if (x == null || axes.isEmpty()) {
            return null;
        }
        int r = x.length + axes.get().length;
        boolean[] isNew = new boolean[r];
        for (long a : axes.get()) {
            int ax = (int) (a < 0 ? a + r : a);
            if (ax < 0 || ax >= r || isNew[ax]) {
                return null;
            }
            isNew[ax] = true;
        }
        long[] out = new long[r];
        int j = 0;
        for (int i = 0; i < r; i++) {
            out[i] = isNew[i] ? 1 : x[j++];
        }
        return out;
    }

    private long[] squeeze(Node n, long[] x) {
        if (x == null) {
            return null;
        }
        boolean[] drop = new boolean[x.length];
        boolean given = opset >= 13 ? n.hasInput(1) : n.attr("axes").isPresent();
        if (!given) {
            for (int i = 0; i < x.length; i++) {
                if (x[i] < 0) {
                    return null; // whether it is 1 decides the rank
                }
                drop[i] = x[i] == 1;
            }
        } else {
            Optional<long[]> axes = axes(n);
            if (axes.isEmpty()) {
                return null;
            }
            for (long a : axes.get()) {
                int ax = (int) (a < 0 ? a + x.length : a);
                if (ax < 0 || ax >= x.length) {
                    return null;
                }
                drop[ax] = true;
            }
        }
        long[] out = new long[x.length];
        int k = 0;
        for (int i = 0; i < x.length; i++) {
            if (!drop[i]) {
                out[k++] = x[i];
            }
        }
        return Arrays.copyOf(out, k);
    }

    private long[] slice(Node n, long[] x) {
        if (x == null) {
            return null;
        }
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (opset < 10) {
            starts = n.attrInts("starts").orElse(null);
            ends = n.attrInts("ends").orElse(null);
            axes = n.attrInts("axes").orElse(null);
            steps = null;
        } else {
            starts = constInts(n, 1).orElse(null);
            ends = constInts(n, 2).orElse(null);
            axes = n.hasInput(3) ? constInts(n, 3).orElse(null) : null;
            steps = n.hasInput(4) ? constInts(n, 4).orElse(null) : null;
            if (n.hasInput(3) && axes == null || n.hasInput(4) && steps == null) {
                return null;
            }
        }
        if (starts == null || ends == null || starts.length != ends.length) {
            return null;
        }
        long[] out = x.clone();
        for (int i = 0; i < starts.length; i++) {
            long a = axes == null ? i : axes[i];
            int ax = (int) (a < 0 ? a + x.length : a);
            long step = steps == null ? 1 : steps[i];
            if (ax < 0 || ax >= x.length || step == 0) {
                return null;
            }
            long d = x[ax];
            if (d < 0) {
                out[ax] = -1;
                continue;
            }
            long s = starts[i];
            long e = ends[i];
            s = s < 0 ? s + d : s;
            e = e < 0 && e > Long.MIN_VALUE / 2 ? e + d : e;
            long len;
            if (step > 0) {
                s = Math.max(0, Math.min(d, s));
                e = Math.max(0, Math.min(d, e));
                len = e > s ? (e - s + step - 1) / step : 0;
            } else {
                s = Math.max(-1, Math.min(d - 1, s));
                e = Math.max(-1, Math.min(d - 1, e));
                len = s > e ? (s - e + (-step) - 1) / (-step) : 0;
            }
            out[ax] = len;
        }
        return out;
    }

    private long[] resize(Node n, long[] x) {
        if (x == null) {
            return null;
        }
        if (n.attr("axes").isPresent()) {
            return null;
        }
        int scalesAt = n.is("Upsample") ? 1 : opset >= 11 ? 2 : 1;
        Optional<Tensor> sizes = n.is("Resize") && opset >= 11 && n.hasInput(3) ? constant(n.input(3)) : Optional.empty();
        if (sizes.isPresent()) {
            long[] s = sizes.get().toLongArray();
            return s.length == x.length ? s : null;
        }
        Optional<float[]> scales = n.is("Upsample") && opset < 9 ? n.attrFloats("scales")
                : n.hasInput(scalesAt) ? constant(n.input(scalesAt)).map(Tensor::toFloatArray) : Optional.empty();
        if (scales.isEmpty() || scales.get().length != x.length) {
            return null;
        }
        long[] out = new long[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] < 0 ? -1 : (long) Math.floor(x[i] * (double) scales.get()[i]);
        }
        return out;
    }

    private long[] reduce(Node n, long[] x) {
        if (x == null) {
            return null;
        }
        boolean axesAsInput = n.is("ReduceSum") ? opset >= 13 : opset >= 18;
        long[] axes;
        if (axesAsInput) {
            if (n.hasInput(1)) {
                axes = constInts(n, 1).orElse(null);
                if (axes == null) {
                    return null;
                }
            } else {
                axes = null;
            }
        } else {
            axes = n.attrInts("axes").orElse(null);
        }
        if (axes != null && axes.length == 0) {
            axes = null;
        }
        if (axes == null && n.attrInt("noop_with_empty_axes", 0) != 0) {
            return x;
        }
        boolean keep = n.attrInt("keepdims", 1) != 0;
        boolean[] red = new boolean[x.length];
        if (axes == null) {
            Arrays.fill(red, true);
        } else {
            for (long a : axes) {
                int ax = (int) (a < 0 ? a + x.length : a);
                if (ax < 0 || ax >= x.length) {
                    return null;
                }
                red[ax] = true;
            }
        }
        long[] out = new long[x.length];
        int k = 0;
        for (int i = 0; i < x.length; i++) {
            if (red[i]) {
                if (keep) {
                    out[k++] = 1;
                }
            } else {
                out[k++] = x[i];
            }
        }
        return Arrays.copyOf(out, k);
    }

    /** For tests and reports: the inferred dims of every value that has some. */
    Map<Value, long[]> inferred() {
        return Map.copyOf(dims);
    }
}
