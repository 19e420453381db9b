/*
 * convert_fp16: float32 tensors and arithmetic become float16.
 *
 *   before:  x:f32 ─Conv(W:f32)─ Relu ─ MatMul(M:f32) ─▶ y:f32
 *   after:   x:f32 ─Cast→f16─ MatMul(M:f16) … ; ops without float16 kernel stay float32:
 *            x:f32 ─Conv(Cast(W:f16)→f32)─ Relu ─Cast→f16─ MatMul(M:f16) ─Cast→f32─▶ y:f32
 *
 * Every float value is assigned a precision: outputs of kept ops (in `block`, or, with check_kernels,
 * ops ONNX Runtime CPU cannot run in float16 — asked empirically per op/opset/input types, see
 * Fp16KernelProbe) are float32; every other float value is float16. A Cast is inserted only where a
 * reader needs the other precision, one per value and direction, so adjacent kept ops talk float32
 * without Casts in between. Constants are converted themselves instead of being cast: values are
 * clamped to ±65504 (float16's largest finite) and non-zero magnitudes below min_abs become ±min_abs
 * (an epsilon must not become 0). A constant read only by float32 ops stays float32 when it is small;
 * large ones are stored float16 behind one Cast so the file still halves (ORT folds such a Cast at load).
 * keep_io_types keeps float32 graph inputs/outputs (Casts at the boundary, the output Cast takes the
 * output's name). Attributes that create floats follow: Cast(to=float) → float16, Constant and
 * ConstantOfShape values. Inputs ONNX pins to float32 (Resize roi/scales, Upsample scales, Dropout
 * ratio) stay float32. If/Loop/Scan bodies are converted too (body inputs and outputs become float16).
 * Declared types (value_info, outputs) are updated so runtimes never see a stale float32 type.
 * range_check (default on) first measures every float value of the main graph on range_data, else the
 * run's verification data, else seeded probes (Fp16Ranges): a node that reads or writes a value beyond
 * half of 65504 (headroom for data not seen), or one float16 rounding would change by more than
 * max_precision_loss, stays float32 like a node without kernel, and so do readers of out-of-range constants
 * (which stay float32 instead of being clamped). Float32 thus spreads downstream of an overflowing node only
 * until a value is back in range; each kept node is a skip with its measured maximum and a row of the
 * kept_for_range detail. This is what other converters call auto mixed precision, verified per step.
 * Opsets: any (Cast exists since 6); the precision change is lossy, tested at cosine ≥ 0.999.
 */
package dev.onnxpress.passes.convert.fp16;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.core.ElementTypes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Converts float32 computation to float16, keeping ops without float16 support in float32 behind Casts. */
@PassSpec(id = ConvertFp16Pass.ID,
        summary = "Convert float32 tensors and arithmetic to float16; ops without float16 kernels stay float32 behind Casts",
        traits = {PassInfo.Trait.LOSSY, PassInfo.Trait.IDEMPOTENT, PassInfo.Trait.SHRINKS},
        statistics = {
                @Statistic(name = "tensors_converted", doc = "constant tensors stored as float16"),
                @Statistic(name = "casts_inserted", doc = "Cast nodes inserted where float16 and float32 parts meet"),
                @Statistic(name = "nodes_kept_float32",
                        doc = "nodes kept in float32 (no float16 kernel, block list, or range)"),
                @Statistic(name = "nodes_kept_for_range",
                        doc = "nodes kept in float32 because float16 would overflow or lose more than max_precision_loss"),
                @Statistic(name = "values_clamped", doc = "constant values clamped to float16's range or to ±min_abs"),
                @Statistic(name = "bytes_saved", doc = "bytes saved by storing tensors as float16")})
public final class ConvertFp16Pass implements Pass<ConvertFp16Options> {
    public static final String ID = "convert_fp16";
    static final float FP16_MAX = 65504f;
    /** range_check keeps values beyond this in float32: half of float16's largest, as headroom for data unseen. */
    static final double RANGE_LIMIT = FP16_MAX / 2;

    /** Inputs ONNX types as float32 whatever the data type (scales, ratios). */
    private static final Map<String, Set<Integer>> PINNED = Map.of(
            "Resize", Set.of(1, 2), "Upsample", Set.of(1), "Dropout", Set.of(1));
    private static final Set<String> CONTROL_FLOW = Set.of("If", "Loop", "Scan");

    @Override
    public PassResult run(Model model, ConvertFp16Options options, PassContext ctx) {
        return new Conversion(model, options, ctx).run();
    }

    private enum Precision { F16, F32 }

    private static final class Conversion {
        private final Model model;
        private final ConvertFp16Options opt;
        private final PassContext ctx;
        /** Constants whose values float16 cannot hold (range_check): they stay float32, as do their readers. */
        private final Set<Value> outOfRangeConstants = Collections.newSetFromMap(new IdentityHashMap<>());
        private long keptForRange;
        private final Rewriter rw;
        private final ElementTypes types;
        private final PassResult.Builder result = PassResult.builder();
        private final Set<Node> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        /** Casts and constants this pass added: already in their final precision. */
        private final Set<Node> added = Collections.newSetFromMap(new IdentityHashMap<>());
        private final Map<Value, Map<Precision, Value>> casts = new IdentityHashMap<>();
        private final Map<Value, Map<Precision, Value>> constantCopies = new IdentityHashMap<>();
        private long castsInserted;
        private long tensorsConverted;
        private long clamped;
        private long bytesSaved;

        Conversion(Model model, ConvertFp16Options opt, PassContext ctx) {
            this.model = model;
            this.opt = opt;
            this.ctx = ctx;
            this.rw = new Rewriter(model);
            this.types = ElementTypes.of(model.graph());
        }

        PassResult run() {
            List<Node> all = model.graph().allNodes();
            for (Node n : all) {
                if (n.is("Cast") && n.attrInt("to", 0) == DataType.FLOAT.code()
                        && types.of(n.input(0)).orElse(DataType.UNDEFINED) == DataType.FLOAT16) {
                    kept.add(n); // an explicit float16 → float32 conversion (e.g. from an earlier run) stays
                } else if (touchesFloat(n) && !CONTROL_FLOW.contains(n.opType()) && !n.is("Constant")) {
                    if (opt.block().contains(n.opType()) || opt.block().contains("*")) {
                        kept.add(n);
                        result.skip(n.label(), n.opType() + " is in block: kept in float32");
                    } else if (opt.check_kernels() && n.isStandard() && !n.is("Cast")
                            && !Fp16KernelProbe.hasKernel(model, n, types, pinned(n))) {
                        kept.add(n);
                        result.skip(n.label(), "ONNX Runtime CPU has no float16 kernel for " + n.opType()
                                + ": kept in float32");
                    } else if (!n.isStandard()) {
                        kept.add(n);
                        result.skip(n.label(), "custom-domain op " + n.domain() + "." + n.opType()
                                + ": kept in float32");
                    }
                }
            }
            if (opt.range_check()) {
                keepOutOfRange();
            }
            for (Graph g : model.graph().allGraphs()) {
                convertGraph(g);
            }
            result.add("tensors_converted", tensorsConverted).add("casts_inserted", castsInserted)
                    .add("nodes_kept_float32", kept.size()).add("nodes_kept_for_range", keptForRange)
                    .add("values_clamped", clamped).add("bytes_saved", bytesSaved);
            if (tensorsConverted == 0 && castsInserted == 0 && rw.changes() == 0 && hasFloat()) {
                result.warning("converted nothing: every float node stayed float32 ("
                        + kept.size() + " kept, see the reasons)");
            }
            return result.build(rw.changes() > 0);
        }

        private boolean hasFloat() {
            for (Node n : model.graph().allNodes()) {
                if (touchesFloat(n)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * range_check: measures every float value of the main graph on the range data (or the run's
         * verification data, or seeded probes) and keeps in float32 each node that reads or writes a value
         * float16 cannot carry: beyond {@link #RANGE_LIMIT} in magnitude, or losing more than
         * max_precision_loss to float16 rounding. A node reading an out-of-range value (a kept node's output,
         * an out-of-range constant or graph input) is kept too, so float32 spreads downstream exactly until
         * values are back in range.
         */
        private void keepOutOfRange() {
            Graph g = model.graph();
            List<Value> values = Fp16Ranges.floatValues(g, types);
            findOutOfRangeConstants(g);
            Map<String, Fp16Ranges.Range> ranges = Map.of();
            if (!values.isEmpty()) {
                Optional<Map<String, Fp16Ranges.Range>> measured = measureRanges(g, values);
                if (measured.isEmpty()) {
                    return;
                }
                ranges = measured.get();
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Node n : g.nodes()) {
                if (kept.contains(n) || n.is("Constant") || CONTROL_FLOW.contains(n.opType()) || !touchesFloat(n)) {
                    continue;
                }
                RangeReason r = rangeReason(n, ranges);
                if (r == null) {
                    continue;
                }
                String why = r.why();
                Value at = r.at();
                Fp16Ranges.Range measured = r.measured();
                kept.add(n);
                keptForRange++;
                String what = measured.maxAbs() > RANGE_LIMIT
                        ? "reaches " + number(measured.maxAbs()) + " (float16 holds 65504; kept below half of it)"
                        : "loses " + number(100 * measured.precisionLoss()) + "% to float16 rounding (max |value| "
                        + number(measured.maxAbs()) + ", bound " + number(100 * opt.max_precision_loss()) + "%)";
                result.skip(n.label(), why + " '" + at.name() + "' " + what + ": kept in float32");
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("node", n.name().isEmpty() ? n.label() : n.name());
                row.put("op", n.opType());
                row.put("value", at.name());
                row.put("max_abs", measured.maxAbs());
                row.put("precision_loss", measured.precisionLoss());
                rows.add(row);
            }
            if (!rows.isEmpty()) {
                result.detail("kept_for_range", rows);
            }
        }

        /** Float constants already beyond {@link #RANGE_LIMIT}: float16 would clamp them. */
        private void findOutOfRangeConstants(Graph g) {
            for (Map.Entry<Value, Tensor> e : g.initializers().entrySet()) {
                if (e.getValue().dataType() == DataType.FLOAT && maxAbs(e.getValue()) > RANGE_LIMIT) {
                    outOfRangeConstants.add(e.getKey());
                }
            }
            for (Node n : g.nodes()) {
                if (n.is("Constant")) {
                    g.constantValue(n.output()).filter(t -> t.dataType() == DataType.FLOAT
                            && maxAbs(t) > RANGE_LIMIT).ifPresent(t -> outOfRangeConstants.add(n.output()));
                }
            }
        }

        /**
         * The ranges of {@code values} on the range data (else the verification data, else seeded probes);
         * empty, with a warning, when they cannot be measured.
         */
        private Optional<Map<String, Fp16Ranges.Range>> measureRanges(Graph g, List<Value> values) {
            String source;
            Map<String, Fp16Ranges.Range> ranges;
            List<Map<String, Tensor>> batches = opt.range_data().map(ctx::samples)
                    .orElseGet(ctx::verificationSamples);
            source = opt.range_data().map(d -> "data set '" + d.name() + "'")
                    .orElse("the run's verification data");
            if (batches.isEmpty()) {
                batches = Fp16Ranges.probes(g, new java.util.Random(0), ctx.dimSizes(), 4);
                source = "4 random probes in [0, 1)";
            }
            if (batches.isEmpty()) {
                result.warning("range check skipped: the model's inputs have no shape to make probes for;"
                        + " give range_data=<data set>");
                return Optional.empty();
            }
            try {
                ranges = Fp16Ranges.measure(model, values, batches);
            } catch (dev.onnxpress.error.UserException | dev.onnxpress.error.InternalException e) {
                result.warning("range check skipped: ONNX Runtime could not run the float model to measure"
                        + " it: " + e.getMessage());
                return Optional.empty();
            }
            result.note("value ranges measured on " + source);
            return Optional.of(ranges);
        }

        /** Why a node must stay float32: the value it reads or writes that float16 cannot carry. */
        private record RangeReason(String why, Value at, Fp16Ranges.Range measured) {
        }

        /** The first output, else input, out of float16's range; null when the node is safe. */
        private RangeReason rangeReason(Node n, Map<String, Fp16Ranges.Range> ranges) {
            String why = null;
            Value at = null;
            Fp16Ranges.Range measured = null;
            for (Value o : n.outputs()) {
                Fp16Ranges.Range r = o.isNone() ? null : ranges.get(o.name());
                if (r != null && unsafe(r)) {
                    why = "output";
                    at = o;
                    measured = r;
                    break;
                }
            }
            for (int i = 0; why == null && i < n.inputCount(); i++) {
                Value v = n.input(i);
                if (v.isNone()) {
                    continue;
                }
                if (outOfRangeConstants.contains(v)) {
                    why = "constant input";
                    at = v;
                    measured = new Fp16Ranges.Range(maxAbs(v.graph().constantValue(v).orElseThrow()), 1, 0);
                } else {
                    Fp16Ranges.Range r = ranges.get(v.name());
                    boolean io = v.isGraphInput() && !opt.keep_io_types(); // float16 anyway
                    if (r != null && unsafe(r) && !io) {
                        why = "input";
                        at = v;
                        measured = r;
                    }
                }
            }
            return why == null ? null : new RangeReason(why, at, measured);
        }

        private boolean unsafe(Fp16Ranges.Range r) {
            return r.maxAbs() > RANGE_LIMIT || r.precisionLoss() > opt.max_precision_loss();
        }

        private static double maxAbs(Tensor t) {
            double m = 0;
            for (float x : t.toFloatArray()) {
                if (Float.isFinite(x)) {
                    m = Math.max(m, Math.abs(x));
                }
            }
            return m;
        }

        private static String number(double v) {
            String s = String.format(java.util.Locale.ROOT, "%.3g", v);
            int e = s.indexOf('e');
            String mantissa = e < 0 ? s : s.substring(0, e);
            if (mantissa.contains(".")) {
                mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
            }
            return mantissa + (e < 0 ? "" : s.substring(e));
        }

        private boolean touchesFloat(Node n) {
            for (Value v : n.inputs()) {
                if (types.isFloat(v)) {
                    return true;
                }
            }
            for (Value v : n.outputs()) {
                if (types.isFloat(v)) {
                    return true;
                }
            }
            return false;
        }

        private static Set<Integer> pinned(Node n) {
            return n.isStandard() ? PINNED.getOrDefault(n.opType(), Set.of()) : Set.of();
        }

        private boolean isRoot(Graph g) {
            return g.parent().isEmpty();
        }

        /** The precision a float value has after conversion (before any Cast). */
        private Precision precisionOf(Value v) {
            Graph g = v.graph();
            if (v.isGraphInput() && v.isInitializer()) {
                // an initializer listed as a graph input is a default a caller may override with float32
                // data: it keeps its type (step 1 leaves it), and float16 readers get it through a Cast
                return Precision.F32;
            }
            if (v.isGraphInput() && !v.isInitializer()) {
                return isRoot(g) && opt.keep_io_types() ? Precision.F32 : Precision.F16;
            }
            if (v.isInitializer()) {
                // an initializer also listed as a graph input (IR 3) is not converted: it keeps its type
                return g.initializers().get(v).dataType() == DataType.FLOAT16 ? Precision.F16 : Precision.F32;
            }
            Optional<Node> p = v.producer();
            if (p.isPresent() && kept.contains(p.get())) {
                return Precision.F32;
            }
            if (p.isPresent() && added.contains(p.get()) && p.get().is("Cast")) {
                // a Cast this run added (e.g. behind a large constant stored as float16) has the precision it casts to
                return p.get().attrInt("to", 0) == DataType.FLOAT.code() ? Precision.F32 : Precision.F16;
            }
            return Precision.F16;
        }

        private void convertGraph(Graph g) {
            boolean root = isRoot(g);
            // 1. constants: decide their stored precision from their readers
            for (Map.Entry<Value, Tensor> e : new ArrayList<>(g.initializers().entrySet())) {
                Value v = e.getKey();
                if (e.getValue().dataType() == DataType.FLOAT && !v.isGraphInput()) {
                    convertConstant(v, e.getValue());
                }
            }
            for (Node n : g.nodes()) {
                if (n.is("Constant")) {
                    Optional<Tensor> t = g.constantValue(n.output());
                    if (t.isPresent() && t.get().dataType() == DataType.FLOAT) {
                        convertConstant(n.output(), t.get());
                    }
                }
            }
            // 2. inputs: retype the ones that become float16
            for (Value v : g.inputs()) {
                if (!v.isInitializer() && types.isFloat(v) && precisionOf(v) == Precision.F16) {
                    rw.setType(v, ElementTypes.retype(v, DataType.FLOAT16));
                }
            }
            // 3. nodes: attributes that create floats, reads that need the other precision, output types
            for (Node n : g.nodes()) {
                if (n.is("Constant") || added.contains(n)) {
                    continue;
                }
                if (!kept.contains(n)) {
                    retargetAttributes(n);
                }
                for (int i = 0; i < n.inputCount(); i++) {
                    Value v = n.input(i);
                    if (!types.isFloat(v) || isConstant(v) || n.is("Cast")) {
                        continue;
                    }
                    Precision need = kept.contains(n) || pinned(n).contains(i) ? Precision.F32 : Precision.F16;
                    if (precisionOf(v) != need) {
                        rw.setInput(n, i, cast(v, need));
                    }
                }
                for (Value o : n.outputs()) {
                    if (!o.isNone() && types.isFloat(o) && precisionOf(o) == Precision.F16 && o.type().isPresent()) {
                        rw.setType(o, ElementTypes.retype(o, DataType.FLOAT16));
                    }
                }
            }
            // 4. outputs: float32 at the model boundary with keep_io_types, float16 everywhere else
            List<Value> outs = g.outputs();
            for (int i = 0; i < outs.size(); i++) {
                Value v = outs.get(i);
                if (!types.isFloat(v)) {
                    continue;
                }
                Precision need = root && opt.keep_io_types() ? Precision.F32 : Precision.F16;
                Precision have = isConstant(v) ? constantPrecision(v) : precisionOf(v);
                if (have != need) {
                    Value c = castForOutput(g, v, need);
                    rw.setGraphOutput(g, i, c);
                    if (root) {
                        String name = v.name();
                        rw.rename(v, rw.uniqueName(name + "_" + (have == Precision.F16 ? "fp16" : "fp32")));
                        rw.rename(c, name);
                    }
                } else if (need == Precision.F16 && v.type().isPresent()) {
                    rw.setType(v, ElementTypes.retype(v, DataType.FLOAT16));
                }
            }
        }

        private boolean isConstant(Value v) {
            return v.graph() != null && v.graph().constantValue(v).isPresent();
        }

        private Precision constantPrecision(Value v) {
            return v.graph().constantValue(v).map(t -> t.dataType() == DataType.FLOAT16 ? Precision.F16 : Precision.F32)
                    .orElse(Precision.F32);
        }

        /** Converts a float constant, giving each reader the precision it needs without Cast where cheap. */
        private void convertConstant(Value v, Tensor t) {
            boolean needs16 = v.isGraphOutput() && !(isRoot(v.graph()) && opt.keep_io_types());
            boolean needs32 = v.isGraphOutput() && isRoot(v.graph()) && opt.keep_io_types();
            List<Value.Use> uses = new ArrayList<>(v.uses());
            for (Value.Use u : uses) {
                if (kept.contains(u.node()) || pinned(u.node()).contains(u.inputIndex())) {
                    needs32 = true;
                } else {
                    needs16 = true;
                }
            }
            if (outOfRangeConstants.contains(v)) {
                return; // float16 would clamp it; its readers were kept in float32 (range_check)
            }
            if (!needs16) {
                if (t.elementCount() < opt.min_cast_elements() || needs32 && v.isGraphOutput()) {
                    return; // small and read only in float32: stays as it is
                }
            }
            Tensor half = toFloat16(t);
            if (needs32 && (t.elementCount() < opt.min_cast_elements() || v.isGraphOutput())) {
                // keep the float32 original for float32 readers, add a float16 copy for the others
                Value copy = null;
                for (Value.Use u : uses) {
                    if (!kept.contains(u.node()) && !pinned(u.node()).contains(u.inputIndex())) {
                        if (copy == null) {
                            copy = constantOf(v.graph(), v.name() + "_fp16", half);
                        }
                        rw.setInput(u.node(), u.inputIndex(), copy);
                    }
                }
                return;
            }
            replaceConstant(v, half);
            if (needs32) {
                Value back = null;
                for (Value.Use u : uses) {
                    if (kept.contains(u.node()) || pinned(u.node()).contains(u.inputIndex())) {
                        if (back == null) {
                            back = addCast(v.graph(), v, Precision.F32);
                        }
                        rw.setInput(u.node(), u.inputIndex(), back);
                    }
                }
            }
        }

        private Value constantOf(Graph g, String hint, Tensor t) {
            tensorsConverted++;
            if (isRoot(g)) {
                return rw.addInitializer(g, hint, t);
            }
            Node c = rw.addNode(g, "Constant", "", hint, List.of(), 1, Map.of("value", Attr.of(t)));
            added.add(c);
            return c.output();
        }

        private void replaceConstant(Value v, Tensor half) {
            tensorsConverted++;
            if (v.isInitializer()) {
                rw.setInitializer(v, half);
            } else {
                Node c = v.producer().orElseThrow();
                for (String a : new ArrayList<>(c.attrs().keySet())) {
                    rw.removeAttr(c, a);
                }
                rw.setAttr(c, "value", Attr.of(half));
                if (v.type().isPresent()) {
                    rw.setType(v, ElementTypes.retype(v, DataType.FLOAT16));
                }
            }
        }

        private Tensor toFloat16(Tensor t) {
            float[] f = t.toFloatArray();
            double[] d = new double[f.length];
            double minAbs = opt.min_abs();
            for (int i = 0; i < f.length; i++) {
                float x = f[i];
                if (x > FP16_MAX || x < -FP16_MAX) {
                    x = Math.copySign(FP16_MAX, x);
                    clamped++;
                } else if (x != 0 && Math.abs(x) < minAbs) {
                    x = (float) Math.copySign(minAbs, x);
                    clamped++;
                }
                d[i] = x;
            }
            bytesSaved += t.byteSize() - 2L * f.length;
            return Tensor.of(DataType.FLOAT16, t.dims(), d).withName(t.name());
        }

        private void retargetAttributes(Node n) {
            if (n.is("Cast") && n.attrInt("to", 0) == DataType.FLOAT.code()) {
                rw.setAttr(n, "to", Attr.of((long) DataType.FLOAT16.code()));
            } else if (n.is("ConstantOfShape") && n.attr("value").isPresent()
                    && n.attr("value").get().t().dataType() == DataType.FLOAT) {
                rw.setAttr(n, "value", Attr.of(toFloat16(n.attr("value").get().t())));
            } else if (n.is("ConstantOfShape") && n.attr("value").isEmpty()) {
                rw.setAttr(n, "value", Attr.of(Tensor.of(DataType.FLOAT16, new long[] {1}, new double[] {0})));
            } else if (n.isStandard() && (n.opType().startsWith("Random") || n.is("EyeLike"))
                    && n.attrInt("dtype", -1) == DataType.FLOAT.code()) {
                rw.setAttr(n, "dtype", Attr.of((long) DataType.FLOAT16.code()));
            } else if (n.isStandard() && n.opType().startsWith("Random") && n.attr("dtype").isEmpty()
                    && !n.opType().endsWith("Like")) {
                rw.setAttr(n, "dtype", Attr.of((long) DataType.FLOAT16.code()));
            }
        }

        private Value cast(Value v, Precision to) {
            return casts.computeIfAbsent(v, k -> new HashMap<>()).computeIfAbsent(to,
                    p -> addCast(v.graph(), v, p));
        }

        private Value castForOutput(Graph g, Value v, Precision to) {
            if (v.graph() == g) {
                return cast(v, to);
            }
            return addCast(g, v, to); // a body output naming an outer value: the Cast belongs in the body
        }

        private Value addCast(Graph g, Value v, Precision to) {
            DataType dt = to == Precision.F16 ? DataType.FLOAT16 : DataType.FLOAT;
            Map<String, Attr> attrs = new LinkedHashMap<>();
            attrs.put("to", Attr.of((long) dt.code()));
            Value c = rw.add(g, "Cast", v.name() + (to == Precision.F16 ? "_to_fp16" : "_to_fp32"), List.of(v), attrs);
            added.add(c.producer().orElseThrow());
            if (v.tensorType().flatMap(ValueType.TensorType::shape).isPresent()) {
                rw.setType(c, ElementTypes.retype(v, dt));
            }
            castsInserted++;
            return c;
        }
    }
}
