package dev.onnxpress.passes.convert.fp16;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * convert_fp16 on linear layers without a bias, in the forms exporters write them (PyTorch's bias-free
 * Linear: Gemm with two inputs, or MatMul with the transposed weight as an initializer or behind a
 * Transpose node; followed by an Add or not; the weight also listed as a graph input or not), at an old
 * and a recent opset, keeping the graph's float32 I/O or not: every
 * output loads and runs in ONNX Runtime, unoptimized and fully optimized (where ORT fuses MatMul+Add), and
 * stays close to the float32 model.
 */
class BiasFreeLinearFp16Test {
    static final int IN = 48;
    static final int OUT = 40; // 48 × 40 = 1,920 weights: above the 1,024 of large_constant

    enum Form { GEMM_TWO_INPUTS, GEMM_TWO_INPUTS_TRANS_B, MATMUL_TRANSPOSED_INITIALIZER, MATMUL_TRANSPOSE_NODE }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Form f : Form.values()) {
            for (long opset : new long[] {9, 17}) {
                if (opset < 11 && (f == Form.GEMM_TWO_INPUTS || f == Form.GEMM_TWO_INPUTS_TRANS_B)) {
                    continue; // Gemm's bias is optional from opset 11
                }
                for (boolean add : new boolean[] {false, true}) {
                    for (boolean listed : new boolean[] {false, true}) {
                        out.add(Arguments.of(f, opset, add, listed));
                    }
                }
            }
        }
        return out.stream();
    }

    static float[] ramp(int n, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) Math.sin(i * 0.37 + 0.1) * scale;
        }
        return f;
    }

    /** The layer; {@code listed}: its weight is also listed among the graph inputs, as older exporters do. */
    static Model linear(Form form, long opset, boolean add, boolean listed) {
        int in = IN;
        int out = OUT;
        GraphBuilder b = GraphBuilder.model("linear").opset(opset).input("x", DataType.FLOAT, "batch", in);
        float[] w = ramp(in * out, 0.2f);
        switch (form) {
            case GEMM_TWO_INPUTS -> b.initializer("w", Tensor.ofFloats(new long[] {in, out}, w))
                    .node("Gemm", List.of("x", "w"), List.of("h"));
            case GEMM_TWO_INPUTS_TRANS_B -> b.initializer("w", Tensor.ofFloats(new long[] {out, in}, w))
                    .node("Gemm", List.of("x", "w"), List.of("h"), Map.of("transB", Attr.of(1L)));
            case MATMUL_TRANSPOSED_INITIALIZER -> b.initializer("w_t", Tensor.ofFloats(new long[] {in, out}, w))
                    .node("MatMul", List.of("x", "w_t"), List.of("h"));
            case MATMUL_TRANSPOSE_NODE -> b.initializer("w", Tensor.ofFloats(new long[] {out, in}, w))
                    .node("Transpose", List.of("w"), List.of("w_t"), Map.of("perm", Attr.ofInts(1, 0)))
                    .node("MatMul", List.of("x", "w_t"), List.of("h"));
            default -> throw new IllegalArgumentException();
        }
        if (listed) {
            b.rewriter().listInitializerAsInput(b.value(form == Form.MATMUL_TRANSPOSED_INITIALIZER ? "w_t" : "w"));
        }
        if (add) {
            b.initializer("bias", Tensor.ofFloats(new long[] {out}, ramp(out, 0.5f)))
                    .node("Add", List.of("h", "bias"), List.of("y"));
        } else {
            b.node("Relu", List.of("h"), List.of("y"));
        }
        return b.output("y", DataType.FLOAT, "batch", out).build();
    }

    @ParameterizedTest(name = "{0} opset {1} add={2} weight listed as input={3}")
    @MethodSource("cases")
    void loadsAndRunsInOnnxRuntime(Form form, long opset, boolean add, boolean listed) {
        for (boolean keepIo : new boolean[] {true, false}) {
            for (boolean checkKernels : new boolean[] {true}) {
                Model m = linear(form, opset, add, listed);
                Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 4, Map.of("batch", 3L));
                Map<String, Tensor> before = OrtEquivalence.run(m, feeds);
                new ConvertFp16Pass().run(m, PassOptions.of(ConvertFp16Options.class,
                        Map.of("keep_io_types", keepIo, "check_kernels", checkKernels)),
                        new NoDataContext());
                Map<String, Tensor> fp16Feeds = keepIo ? feeds : toHalf(feeds);
                byte[] bytes = ModelWriter.toBytes(m);
                Map<String, Tensor> after = null;
                for (OptimizationLevel level : new OptimizationLevel[] {OptimizationLevel.NONE, OptimizationLevel.ALL}) {
                    try (OrtRunner r = OrtRunner.open(bytes, OrtRunner.Options.defaults().withOptimization(level))) {
                        after = r.run(fp16Feeds);
                    } catch (RuntimeException e) {
                        throw new AssertionError("keep_io_types=" + keepIo + " check_kernels=" + checkKernels
                                + " optimization " + level + ": ONNX Runtime rejects the output: " + e.getMessage()
                                + "\n" + m.graph().nodes(), e);
                    }
                }
                float[] x = before.get("y").toFloatArray();
                float[] y = after.get("y").toFloatArray();
                assertThat(y).hasSameSizeAs(x);
                for (int i = 0; i < x.length; i++) {
                    assertThat((double) y[i]).isCloseTo(x[i], org.assertj.core.api.Assertions.within(0.02 + 0.01 * Math.abs(x[i])));
                }
                assertThat(ModelWriter.toBytes(m)).isNotEmpty();
            }
        }
    }

    static Map<String, Tensor> toHalf(Map<String, Tensor> feeds) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        feeds.forEach((k, t) -> {
            float[] f = t.toFloatArray();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            out.put(k, Tensor.of(DataType.FLOAT16, t.dims(), d));
        });
        return out;
    }
}
