package dev.onnxpress.passes.fold.constants;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Evaluates the ops that shape computations are made of (Shape, Gather, Unsqueeze, Squeeze, Concat,
 * Reshape, Flatten, Cast, elementwise arithmetic and comparisons, Where, Slice, Transpose, Range,
 * ConstantOfShape, Expand, ReduceProd, Identity) on constant tensors, following each op's ONNX
 * definition for the given opset (attributes that became inputs: Unsqueeze/Squeeze axes in 13, Slice
 * starts/ends in 10, ReduceProd axes in 18). Returns empty for anything else, so the caller can fall
 * back to ONNX Runtime. Data-movement ops copy raw element bytes and work for every fixed-size type.
 */
final class BuiltinEvaluator {
    /** The result would exceed the byte limit; thrown before allocating it. */
    static final class TooLarge extends RuntimeException {
        final long bytes;

        TooLarge(long bytes) {
            super(null, null, false, false);
            this.bytes = bytes;
        }
    }

    private BuiltinEvaluator() {
    }

    /**
     * @param in    the node's inputs (null where omitted)
     * @param limit the largest result, in bytes, that generating ops (ConstantOfShape, Expand, Range) may build
     */
    static Optional<List<Tensor>> evaluate(Node n, List<Tensor> in, long opset, long limit) {
        if (!n.isStandard()) {
            return Optional.empty();
        }
        Tensor x = in.isEmpty() ? null : in.get(0);
        Tensor r = switch (n.opType()) {
            case "Identity" -> x;
            case "Cast" -> cast(n, x);
            case "Shape" -> shape(n, x.dims());
            case "Size" -> Tensor.scalarLong(x.elementCount());
            case "Gather" -> movable(x) ? gather(x, in.get(1), (int) n.attrInt("axis", 0)) : null;
            case "Unsqueeze" -> unsqueeze(x, axes(n, in, opset >= 13).orElse(new long[0]));
            case "Squeeze" -> squeeze(x, axes(n, in, opset >= 13));
            case "Reshape" -> reshape(x, in.get(1).toLongArray(), n.attrInt("allowzero", 0) != 0);
            case "Flatten" -> flatten(x, (int) n.attrInt("axis", 1));
            case "Concat" -> concat(in, (int) n.attrInt("axis", 0));
            case "Transpose" -> movable(x) ? transpose(x, n.attrInts("perm")) : null;
            case "Slice" -> movable(x) ? slice(n, in, opset) : null;
            case "Add", "Sub", "Mul", "Div", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Max",
                    "Min" -> binary(n.opType(), in.get(0), in.get(1));
            case "Neg" -> unary(x, -1);
            case "Where" -> where(in.get(0), in.get(1), in.get(2));
            case "Range" -> range(in.get(0), in.get(1), in.get(2), limit);
            case "ConstantOfShape" -> constantOfShape(n, x, limit);
            case "Expand" -> expand(x, in.get(1).toLongArray(), limit);
            case "ReduceProd" -> reduceProd(n, in, opset);
            default -> null;
        };
        return Optional.ofNullable(r).map(List::of);
    }

    // ---------------------------------------------------------------- conversions

    private static Tensor cast(Node n, Tensor x) {
        Optional<DataType> to = DataType.fromCode((int) n.attrInt("to", 0));
        if (to.isEmpty() || !NumericArray.supports(to.get()) || !NumericArray.supports(x.dataType())) {
            return null;
        }
        if (to.get() == x.dataType()) {
            return x;
        }
        return NumericArray.of(x).cast(to.get()).toTensor();
    }

    private static Tensor shape(Node n, long[] dims) {
        int r = dims.length;
        long start = n.attrInt("start", 0);
        long end = n.attrInt("end", r);
        start = Math.max(0, Math.min(r, start < 0 ? start + r : start));
        end = Math.max(0, Math.min(r, end < 0 ? end + r : end));
        long[] out = end > start ? Arrays.copyOfRange(dims, (int) start, (int) end) : new long[0];
        return Tensor.ofLongs(new long[] {out.length}, out);
    }

    static Tensor shapeOf(Node n, long[] dims) {
        return shape(n, dims);
    }

    // ---------------------------------------------------------------- reshapes

    private static Optional<long[]> axes(Node n, List<Tensor> in, boolean asInput) {
        if (asInput) {
            return in.size() > 1 && in.get(1) != null ? Optional.of(in.get(1).toLongArray()) : Optional.empty();
        }
        return n.attrInts("axes");
    }

    private static Tensor unsqueeze(Tensor x, long[] axes) {
        int r = x.rank() + axes.length;
        boolean[] isNew = new boolean[r];
        for (long a : axes) {
            int ax = (int) (a < 0 ? a + r : a);
            if (ax < 0 || ax >= r || isNew[ax]) {
                return null;
            }
            isNew[ax] = true;
        }
        long[] dims = new long[r];
        int j = 0;
        for (int i = 0; i < r; i++) {
            dims[i] = isNew[i] ? 1 : x.dim(j++);
        }
        return reshaped(x, dims);
    }

    private static Tensor squeeze(Tensor x, Optional<long[]> axes) {
        int r = x.rank();
        boolean[] drop = new boolean[r];
        if (axes.isEmpty()) {
            for (int i = 0; i < r; i++) {
                drop[i] = x.dim(i) == 1;
            }
        } else {
            for (long a : axes.get()) {
                int ax = (int) (a < 0 ? a + r : a);
                if (ax < 0 || ax >= r || x.dim(ax) != 1) {
                    return null;
                }
                drop[ax] = true;
            }
        }
        List<Long> dims = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            if (!drop[i]) {
                dims.add(x.dim(i));
            }
        }
        return reshaped(x, dims.stream().mapToLong(Long::longValue).toArray());
    }

    private static Tensor reshape(Tensor x, long[] shape, boolean allowZero) {
        long[] dims = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 0 && !allowZero) {
                if (i >= x.rank()) {
                    return null;
                }
                dims[i] = x.dim(i);
            }
            if (dims[i] == -1) {
                if (infer >= 0) {
                    return null;
                }
                infer = i;
            } else if (dims[i] < 0) {
                return null;
            } else {
                known *= dims[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.elementCount() % known != 0) {
                return null;
            }
            dims[infer] = x.elementCount() / known;
        }
        return Tensor.elementCount(dims) == x.elementCount() ? reshaped(x, dims) : null;
    }

    private static Tensor flatten(Tensor x, int axis) {
        int a = axis < 0 ? axis + x.rank() : axis;
        long outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= x.dim(i);
        }
        return reshaped(x, outer, prod(x.dims(), a, x.rank()));
    }

    /**
     * The data under new dims, as a fresh raw tensor: {@code Tensor.reshape} keeps a tensor read from a
     * file in its original encoding, which the writer emits with the original dims.
     */
    private static Tensor reshaped(Tensor x, long... dims) {
        return x.dataType() == DataType.STRING ? Tensor.ofStrings(dims, x.strings())
                : Tensor.ofRaw(x.dataType(), dims, x.rawBytes());
    }

    // ---------------------------------------------------------------- data movement (raw bytes)

    private static boolean movable(Tensor t) {
        return t != null && t.dataType() != DataType.STRING && t.dataType().bits() % 8 == 0 && t.dataType().bits() > 0;
    }

    private static int elementBytes(Tensor t) {
        return t.dataType().bits() / 8;
    }

    private static long prod(long[] d, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            p *= d[i];
        }
        return p;
    }

    private static Tensor gather(Tensor x, Tensor indices, int axis) {
        int r = x.rank();
        int a = axis < 0 ? axis + r : axis;
        long[] d = x.dims();
        long[] idx = indices.toLongArray();
        int eb = elementBytes(x);
        long outer = prod(d, 0, a);
        int inner = (int) prod(d, a + 1, r) * eb;
        long[] outDims = new long[r - 1 + indices.rank()];
        System.arraycopy(d, 0, outDims, 0, a);
        System.arraycopy(indices.dims(), 0, outDims, a, indices.rank());
        System.arraycopy(d, a + 1, outDims, a + indices.rank(), r - a - 1);
        byte[] src = x.rawBytes();
        byte[] out = new byte[(int) (outer * idx.length * inner)];
        int pos = 0;
        for (long o = 0; o < outer; o++) {
            for (long k : idx) {
                long i = k < 0 ? k + d[a] : k;
                if (i < 0 || i >= d[a]) {
                    return null;
                }
                System.arraycopy(src, (int) ((o * d[a] + i) * inner), out, pos, inner);
                pos += inner;
            }
        }
        return Tensor.ofRaw(x.dataType(), outDims, out);
    }

    private static Tensor concat(List<Tensor> in, int axis) {
        Tensor first = in.get(0);
        if (!movable(first)) {
            return null;
        }
        int r = first.rank();
        int a = axis < 0 ? axis + r : axis;
        long[] outDims = first.dims();
        outDims[a] = 0;
        for (Tensor t : in) {
            if (t == null || t.rank() != r || t.dataType() != first.dataType()) {
                return null;
            }
            outDims[a] += t.dim(a);
        }
        int eb = elementBytes(first);
        long outer = prod(outDims, 0, a);
        long inner = prod(outDims, a + 1, r) * eb;
        byte[] out = new byte[(int) first.dataType().byteSize(Tensor.elementCount(outDims))];
        int pos = 0;
        List<byte[]> srcs = in.stream().map(Tensor::rawBytes).toList();
        for (long o = 0; o < outer; o++) {
            for (int k = 0; k < in.size(); k++) {
                int chunk = (int) (in.get(k).dim(a) * inner);
                System.arraycopy(srcs.get(k), (int) (o * chunk), out, pos, chunk);
                pos += chunk;
            }
        }
        return Tensor.ofRaw(first.dataType(), outDims, out);
    }

    private static long[] strides(long[] d) {
        long[] s = new long[d.length];
        long acc = 1;
        for (int i = d.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= d[i];
        }
        return s;
    }

    /** Copies elements {@code src[offset(i)]} for every output index i in row-major order. */
    private static Tensor gatherElements(Tensor x, long[] outDims, long base, long[] stepPerAxis) {
        int eb = elementBytes(x);
        byte[] src = x.rawBytes();
        long count = Tensor.elementCount(outDims);
        byte[] out = new byte[(int) (count * eb)];
        int r = outDims.length;
        long[] idx = new long[r];
        long off = base;
        for (long i = 0; i < count; i++) {
            System.arraycopy(src, (int) (off * eb), out, (int) (i * eb), eb);
            for (int k = r - 1; k >= 0; k--) {
                idx[k]++;
                off += stepPerAxis[k];
                if (idx[k] < outDims[k]) {
                    break;
                }
                off -= stepPerAxis[k] * idx[k];
                idx[k] = 0;
            }
        }
        return Tensor.ofRaw(x.dataType(), outDims, out);
    }

    private static Tensor transpose(Tensor x, Optional<long[]> permAttr) {
        int r = x.rank();
        long[] perm = permAttr.orElseGet(() -> {
            long[] p = new long[r];
            for (int i = 0; i < r; i++) {
                p[i] = r - 1 - i;
            }
            return p;
        });
        long[] d = x.dims();
        long[] st = strides(d);
        long[] outDims = new long[r];
        long[] step = new long[r];
        for (int i = 0; i < r; i++) {
            outDims[i] = d[(int) perm[i]];
            step[i] = st[(int) perm[i]];
        }
        return gatherElements(x, outDims, 0, step);
    }

    private static Tensor slice(Node n, List<Tensor> in, long opset) {
        Tensor x = in.get(0);
        int r = x.rank();
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
            starts = in.get(1).toLongArray();
            ends = in.get(2).toLongArray();
            axes = in.size() > 3 && in.get(3) != null ? in.get(3).toLongArray() : null;
            steps = in.size() > 4 && in.get(4) != null ? in.get(4).toLongArray() : null;
        }
        if (starts == null || ends == null || starts.length != ends.length) {
            return null;
        }
        long[] d = x.dims();
        long[] begin = new long[r];
        long[] step = new long[r];
        long[] outDims = d.clone();
        Arrays.fill(step, 1);
        for (int k = 0; k < starts.length; k++) {
            int a = (int) (axes == null ? k : axes[k] < 0 ? axes[k] + r : axes[k]);
            long s = steps == null ? 1 : steps[k];
            if (a < 0 || a >= r || s == 0) {
                return null;
            }
            long dim = d[a];
            long b = starts[k] < 0 ? starts[k] + dim : starts[k];
            long e = ends[k] < 0 && ends[k] != Long.MIN_VALUE ? ends[k] + dim : ends[k];
            if (s > 0) {
                b = Math.max(0, Math.min(dim, b));
                e = Math.max(0, Math.min(dim, e));
            } else {
                b = Math.max(0, Math.min(dim - 1, b));
                e = Math.max(-1, Math.min(dim - 1, e));
            }
            long count = s > 0 ? (e - b + s - 1) / s : (b - e + (-s) - 1) / (-s);
            outDims[a] = Math.max(0, count);
            begin[a] = b;
            step[a] = s;
        }
        long[] st = strides(d);
        long base = 0;
        long[] stepPerAxis = new long[r];
        for (int a = 0; a < r; a++) {
            base += begin[a] * st[a];
            stepPerAxis[a] = step[a] * st[a];
        }
        if (Tensor.elementCount(outDims) == 0) {
            return Tensor.ofRaw(x.dataType(), outDims, new byte[0]);
        }
        return gatherElements(x, outDims, base, stepPerAxis);
    }

    // ---------------------------------------------------------------- arithmetic

    private static long[] broadcastDims(long[]... shapes) {
        int r = 0;
        for (long[] s : shapes) {
            r = Math.max(r, s.length);
        }
        long[] out = new long[r];
        Arrays.fill(out, 1);
        for (long[] s : shapes) {
            for (int i = 0; i < s.length; i++) {
                int o = r - s.length + i;
                if (s[i] != 1) {
                    if (out[o] != 1 && out[o] != s[i]) {
                        return null;
                    }
                    out[o] = s[i];
                }
            }
        }
        return out;
    }

    /** For each element of {@code outDims}, the index of the input element broadcast to it. */
    private static int[] broadcastMap(long[] outDims, long[] inDims) {
        int r = outDims.length;
        long[] inStrides = new long[r];
        long[] st = strides(inDims);
        for (int i = 0; i < inDims.length; i++) {
            inStrides[r - inDims.length + i] = inDims[i] == 1 ? 0 : st[i];
        }
        int count = (int) Tensor.elementCount(outDims);
        int[] map = new int[count];
        long[] idx = new long[r];
        long off = 0;
        for (int i = 0; i < count; i++) {
            map[i] = (int) off;
            for (int k = r - 1; k >= 0; k--) {
                idx[k]++;
                off += inStrides[k];
                if (idx[k] < outDims[k]) {
                    break;
                }
                off -= inStrides[k] * idx[k];
                idx[k] = 0;
            }
        }
        return map;
    }

    private static Tensor binary(String op, Tensor ta, Tensor tb) {
        if (ta == null || tb == null || ta.dataType() != tb.dataType() || !NumericArray.supports(ta.dataType())) {
            return null;
        }
        long[] dims = broadcastDims(ta.dims(), tb.dims());
        if (dims == null) {
            return null;
        }
        NumericArray a = NumericArray.of(ta);
        NumericArray b = NumericArray.of(tb);
        int[] ma = broadcastMap(dims, ta.dims());
        int[] mb = broadcastMap(dims, tb.dims());
        int n = ma.length;
        boolean compare = op.equals("Equal") || op.equals("Less") || op.equals("Greater")
                || op.equals("LessOrEqual") || op.equals("GreaterOrEqual");
        if (compare) {
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                int c = a.integral() ? Long.compare(a.ints()[ma[i]], b.ints()[mb[i]])
                        : Double.compare(a.reals()[ma[i]], b.reals()[mb[i]]);
                boolean v = switch (op) {
                    case "Equal" -> a.integral() ? c == 0 : a.reals()[ma[i]] == b.reals()[mb[i]];
                    case "Less" -> c < 0;
                    case "Greater" -> c > 0;
                    case "LessOrEqual" -> c <= 0;
                    default -> c >= 0;
                };
                out[i] = v ? 1 : 0;
            }
            return NumericArray.ints(DataType.BOOL, dims, out).toTensor();
        }
        if (a.integral()) {
            if (ta.dataType() == DataType.BOOL) {
                return null;
            }
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                long x = a.ints()[ma[i]];
                long y = b.ints()[mb[i]];
                switch (op) {
                    case "Add" -> out[i] = x + y;
                    case "Sub" -> out[i] = x - y;
                    case "Mul" -> out[i] = x * y;
                    case "Div" -> {
                        if (y == 0) {
                            return null;
                        }
                        out[i] = x / y;
                    }
                    case "Max" -> out[i] = Math.max(x, y);
                    default -> out[i] = Math.min(x, y);
                }
            }
            return NumericArray.ints(ta.dataType(), dims, out).cast(ta.dataType()).toTensor();
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double x = a.reals()[ma[i]];
            double y = b.reals()[mb[i]];
            out[i] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                case "Div" -> x / y;
                case "Max" -> Math.max(x, y);
                default -> Math.min(x, y);
            };
        }
        if (ta.dataType() == DataType.FLOAT) {
            // float ops round each result to float, as ORT computes in float
            for (int i = 0; i < n; i++) {
                out[i] = (float) out[i];
            }
        }
        return NumericArray.reals(ta.dataType(), dims, out).toTensor();
    }

    private static Tensor unary(Tensor x, int sign) {
        if (!NumericArray.supports(x.dataType()) || x.dataType() == DataType.BOOL) {
            return null;
        }
        NumericArray a = NumericArray.of(x);
        if (a.integral()) {
            long[] out = a.ints().clone();
            for (int i = 0; i < out.length; i++) {
                out[i] *= sign;
            }
            return NumericArray.ints(x.dataType(), x.dims(), out).cast(x.dataType()).toTensor();
        }
        double[] out = a.reals().clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= sign;
        }
        return NumericArray.reals(x.dataType(), x.dims(), out).toTensor();
    }

    private static Tensor where(Tensor c, Tensor x, Tensor y) {
        if (c == null || x == null || y == null || x.dataType() != y.dataType() || !movable(x)) {
            return null;
        }
        long[] dims = broadcastDims(c.dims(), x.dims(), y.dims());
        if (dims == null) {
            return null;
        }
        long[] cond = c.toLongArray();
        int[] mc = broadcastMap(dims, c.dims());
        int[] mx = broadcastMap(dims, x.dims());
        int[] my = broadcastMap(dims, y.dims());
        int eb = elementBytes(x);
        byte[] bx = x.rawBytes();
        byte[] by = y.rawBytes();
        byte[] out = new byte[mc.length * eb];
        for (int i = 0; i < mc.length; i++) {
            boolean pick = cond[mc[i]] != 0;
            System.arraycopy(pick ? bx : by, (pick ? mx[i] : my[i]) * eb, out, i * eb, eb);
        }
        return Tensor.ofRaw(x.dataType(), dims, out);
    }

    // ---------------------------------------------------------------- generators

    private static void checkSize(DataType t, long count, long limit) {
        long bytes = t.byteSize(count);
        if (bytes > limit) {
            throw new TooLarge(bytes);
        }
    }

    private static Tensor range(Tensor start, Tensor limitT, Tensor delta, long limit) {
        DataType t = start.dataType();
        if (!NumericArray.supports(t) || t == DataType.BOOL) {
            return null;
        }
        NumericArray s = NumericArray.of(start);
        NumericArray l = NumericArray.of(limitT);
        NumericArray d = NumericArray.of(delta);
        if (s.integral()) {
            long a = s.integer(0);
            long b = l.integer(0);
            long st = d.integer(0);
            if (st == 0) {
                return null;
            }
            long count = Math.max(0, (long) Math.ceil((double) (b - a) / st));
            checkSize(t, count, limit);
            long[] out = new long[(int) count];
            for (int i = 0; i < count; i++) {
                out[i] = a + i * st;
            }
            return NumericArray.ints(t, new long[] {count}, out).toTensor();
        }
        double a = s.real(0);
        double st = d.real(0);
        if (st == 0) {
            return null;
        }
        long count = Math.max(0, (long) Math.ceil((l.real(0) - a) / st));
        checkSize(t, count, limit);
        double[] out = new double[(int) count];
        for (int i = 0; i < count; i++) {
            out[i] = a + i * st;
        }
        return NumericArray.reals(t, new long[] {count}, out).toTensor();
    }

    private static Tensor constantOfShape(Node n, Tensor shape, long limit) {
        long[] dims = shape.toLongArray();
        Tensor value = n.attr("value").filter(a -> a.kind() == Attr.Kind.TENSOR).map(Attr::t)
                .orElse(Tensor.ofFloats(new long[] {1}, 0f));
        if (!movable(value) || value.elementCount() != 1) {
            return null;
        }
        long count = Tensor.elementCount(dims);
        checkSize(value.dataType(), count, limit);
        int eb = elementBytes(value);
        byte[] one = value.rawBytes();
        byte[] out = new byte[(int) (count * eb)];
        for (int i = 0; i < count; i++) {
            System.arraycopy(one, 0, out, i * eb, eb);
        }
        return Tensor.ofRaw(value.dataType(), dims, out);
    }

    private static Tensor expand(Tensor x, long[] shape, long limit) {
        if (!movable(x)) {
            return null;
        }
        long[] dims = broadcastDims(x.dims(), shape);
        if (dims == null) {
            return null;
        }
        checkSize(x.dataType(), Tensor.elementCount(dims), limit);
        int[] map = broadcastMap(dims, x.dims());
        int eb = elementBytes(x);
        byte[] src = x.rawBytes();
        byte[] out = new byte[map.length * eb];
        for (int i = 0; i < map.length; i++) {
            System.arraycopy(src, map[i] * eb, out, i * eb, eb);
        }
        return Tensor.ofRaw(x.dataType(), dims, out);
    }

    private static Tensor reduceProd(Node n, List<Tensor> in, long opset) {
        Tensor x = in.get(0);
        if (!NumericArray.supports(x.dataType()) || x.dataType() == DataType.BOOL) {
            return null;
        }
        Optional<long[]> axesOpt = opset >= 18
                ? (in.size() > 1 && in.get(1) != null ? Optional.of(in.get(1).toLongArray()) : Optional.empty())
                : n.attrInts("axes");
        boolean keep = n.attrInt("keepdims", 1) != 0;
        int r = x.rank();
        boolean[] reduce = new boolean[r];
        if (axesOpt.isEmpty() || axesOpt.get().length == 0) {
            if (n.attrInt("noop_with_empty_axes", 0) != 0) {
                return x;
            }
            Arrays.fill(reduce, true);
        } else {
            for (long a : axesOpt.get()) {
                reduce[(int) (a < 0 ? a + r : a)] = true;
            }
        }
        long[] keptDims = x.dims();
        for (int i = 0; i < r; i++) {
            if (reduce[i]) {
                keptDims[i] = 1;
            }
        }
        // every input element maps to the output element with its reduced indices set to 0
        long[] outStrides = strides(keptDims);
        long[] d = x.dims();
        long[] masked = new long[r];
        for (int i = 0; i < r; i++) {
            masked[i] = reduce[i] ? 0 : outStrides[i];
        }
        NumericArray a = NumericArray.of(x);
        int outCount = (int) Tensor.elementCount(keptDims);
        double[] pr = new double[outCount];
        long[] pi = new long[outCount];
        Arrays.fill(pr, 1);
        Arrays.fill(pi, 1);
        long[] idx = new long[r];
        long off = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.integral()) {
                pi[(int) off] *= a.ints()[i];
            } else {
                pr[(int) off] *= a.reals()[i];
            }
            for (int k = r - 1; k >= 0; k--) {
                idx[k]++;
                off += masked[k];
                if (idx[k] < d[k]) {
                    break;
                }
                off -= masked[k] * idx[k];
                idx[k] = 0;
            }
        }
        long[] outDims = keptDims;
        if (!keep) {
            List<Long> kept = new ArrayList<>();
            for (int i = 0; i < r; i++) {
                if (!reduce[i]) {
                    kept.add(keptDims[i]);
                }
            }
            outDims = kept.stream().mapToLong(Long::longValue).toArray();
        }
        return a.integral() ? NumericArray.ints(x.dataType(), outDims, pi).cast(x.dataType()).toTensor()
                : NumericArray.reals(x.dataType(), outDims, pr).toTensor();
    }
}
