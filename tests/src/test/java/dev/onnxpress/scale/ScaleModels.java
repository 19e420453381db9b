package dev.onnxpress.scale;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.GraphBuilder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Full-size synthetic models for scale tests and benchmarks, generated with our own IR from a seed (never
 * committed): the topology and tensor sizes of the real thing, seeded random weights scaled so activations
 * stay in a sane range through every layer.
 *
 * <ul>
 *   <li>{@link #resnet50}: ResNet-50 v1 (stride in the first 1×1 of a bottleneck), Conv-BatchNorm-Relu,
 *       residual Adds, GlobalAveragePool, Gemm 2048→1000; opset 13; 25.6 M parameters, ~102 MB.</li>
 *   <li>{@link #encoder}: a BERT-base-like encoder (MatMul/Add/LayerNormalization/Softmax/Erf GELU),
 *       opset 17, input {@code [batch, seq, hidden]} floats (embeddings already looked up).</li>
 * </ul>
 * The batch dimension is {@code batch} when {@code symbolicBatch}, else 1.
 */
public final class ScaleModels {
    private ScaleModels() {
    }

    /** ResNet-50 v1, input {@code data [N,3,224,224]}, output {@code logits [N,1000]}. */
    public static Model resnet50(long seed, boolean symbolicBatch) {
        return resnet(seed, symbolicBatch, new int[] {3, 4, 6, 3}, 64, 224, 1000);
    }

    /**
     * A ResNet-v1 bottleneck network: {@code blocks} per stage, stage widths {@code base·2^s} (×4 out),
     * square inputs of {@code size}; {@code resnet(seed, b, {3,4,6,3}, 64, 224, 1000)} is ResNet-50.
     */
    public static Model resnet(long seed, boolean symbolicBatch, int[] blocks, int base, int size, int classes) {
        Build b = new Build(GraphBuilder.model("resnet").opset(13), new SplittableRandom(seed));
        Object n = symbolicBatch ? "batch" : 1;
        b.g.input("data", DataType.FLOAT, n, 3, size, size);
        String x = b.convBn("data", 3, base, 7, 2, true, "conv1");
        b.g.node("MaxPool", List.of(x), List.of("pool1"), Map.of("kernel_shape", Attr.ofInts(3, 3),
                "strides", Attr.ofInts(2, 2), "pads", Attr.ofInts(1, 1, 1, 1)));
        x = "pool1";
        int in = base;
        for (int s = 0; s < blocks.length; s++) {
            int mid = base << s;
            int out = mid * 4;
            for (int k = 0; k < blocks[s]; k++) {
                int stride = k == 0 && s > 0 ? 2 : 1;
                String p = "s" + (s + 1) + "b" + (k + 1);
                String a = b.convBn(x, in, mid, 1, stride, true, p + "_a");
                String c = b.convBn(a, mid, mid, 3, 1, true, p + "_b");
                String d = b.convBn(c, mid, out, 1, 1, false, p + "_c");
                String sc = k == 0 ? b.convBn(x, in, out, 1, stride, false, p + "_down") : x;
                b.g.node("Add", List.of(d, sc), List.of(p + "_sum"));
                b.g.node("Relu", List.of(p + "_sum"), List.of(p + "_out"));
                x = p + "_out";
                in = out;
            }
        }
        b.g.node("GlobalAveragePool", List.of(x), List.of("gap"));
        b.g.node("Flatten", List.of("gap"), List.of("flat"));
        b.g.initializer("fc_w", b.normal(new long[] {classes, in}, Math.sqrt(1.0 / in)));
        b.g.initializer("fc_b", b.normal(new long[] {classes}, 0.01));
        b.g.node("Gemm", List.of("flat", "fc_w", "fc_b"), List.of("logits"), Map.of("transB", Attr.of(1L)));
        b.g.output("logits", DataType.FLOAT, n, classes);
        return b.g.build();
    }

    /**
     * A BERT-base-like encoder: {@code layers} post-LN transformer layers of width {@code hidden} with
     * {@code heads} heads and an FFN of {@code ffn} (Erf GELU), over a fixed {@code seq}; input
     * {@code x [N, seq, hidden]}, output {@code y [N, seq, hidden]}. BERT-base: (12, 768, 12, 3072, 128).
     */
    public static Model encoder(long seed, boolean symbolicBatch, int layers, int hidden, int heads, int ffn, int seq) {
        Build b = new Build(GraphBuilder.model("encoder").opset(17), new SplittableRandom(seed));
        Object n = symbolicBatch ? "batch" : 1;
        int dh = hidden / heads;
        b.g.input("x", DataType.FLOAT, n, seq, hidden);
        b.g.initializer("split_heads", Tensor.ofLongs(new long[] {4}, 0, seq, heads, dh));
        b.g.initializer("merge_heads", Tensor.ofLongs(new long[] {3}, 0, seq, hidden));
        b.g.initializer("att_scale", Tensor.scalarFloat((float) (1 / Math.sqrt(dh))));
        b.g.initializer("sqrt_half", Tensor.scalarFloat((float) Math.sqrt(0.5)));
        b.g.initializer("one", Tensor.scalarFloat(1f));
        b.g.initializer("half", Tensor.scalarFloat(0.5f));
        String x = "x";
        for (int l = 0; l < layers; l++) {
            String p = "l" + l + "_";
            String q = b.heads(b.linear(x, hidden, hidden, p + "q"), p + "q", false);
            String k = b.heads(b.linear(x, hidden, hidden, p + "k"), p + "k", true);
            String v = b.heads(b.linear(x, hidden, hidden, p + "v"), p + "v", false);
            b.g.node("MatMul", List.of(q, k), List.of(p + "qk"));
            b.g.node("Mul", List.of(p + "qk", "att_scale"), List.of(p + "scores"));
            b.g.node("Softmax", List.of(p + "scores"), List.of(p + "probs"), Map.of("axis", Attr.of(-1L)));
            b.g.node("MatMul", List.of(p + "probs", v), List.of(p + "ctx_h"));
            b.g.node("Transpose", List.of(p + "ctx_h"), List.of(p + "ctx_t"), Map.of("perm", Attr.ofInts(0, 2, 1, 3)));
            b.g.node("Reshape", List.of(p + "ctx_t", "merge_heads"), List.of(p + "ctx"));
            String o = b.linear(p + "ctx", hidden, hidden, p + "o");
            b.g.node("Add", List.of(o, x), List.of(p + "res1"));
            String h = b.layerNorm(p + "res1", hidden, p + "ln1");
            String f1 = b.linear(h, hidden, ffn, p + "ffn1");
            b.g.node("Mul", List.of(f1, "sqrt_half"), List.of(p + "g1"));
            b.g.node("Erf", List.of(p + "g1"), List.of(p + "g2"));
            b.g.node("Add", List.of(p + "g2", "one"), List.of(p + "g3"));
            b.g.node("Mul", List.of(f1, p + "g3"), List.of(p + "g4"));
            b.g.node("Mul", List.of(p + "g4", "half"), List.of(p + "gelu"));
            String f2 = b.linear(p + "gelu", ffn, hidden, p + "ffn2");
            b.g.node("Add", List.of(f2, h), List.of(p + "res2"));
            x = b.layerNorm(p + "res2", hidden, p + "ln2");
        }
        b.g.node("Identity", List.of(x), List.of("y"));
        b.g.output("y", DataType.FLOAT, n, seq, hidden);
        return b.g.build();
    }

    /** BERT-base: 12 layers, hidden 768, 12 heads, FFN 3072, sequence 128 (~85 M parameters, ~340 MB). */
    public static Model bertBase(long seed, boolean symbolicBatch) {
        return encoder(seed, symbolicBatch, 12, 768, 12, 3072, 128);
    }

    /** Seeded samples for a model input of {@code dims} (standard normal), one tensor per sample. */
    public static Tensor normalSample(long[] dims, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(Tensor.elementCount(dims))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) gaussian(r);
        }
        return Tensor.ofFloats(dims, v);
    }

    static double gaussian(SplittableRandom r) {
        // Box-Muller from SplittableRandom, which (unlike java.util.Random) has no shared lock
        double u = r.nextDouble();
        double w = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }

    private static final class Build {
        final GraphBuilder g;
        final SplittableRandom r;

        Build(GraphBuilder g, SplittableRandom r) {
            this.g = g;
            this.r = r;
        }

        Tensor normal(long[] dims, double std) {
            float[] v = new float[Math.toIntExact(Tensor.elementCount(dims))];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (gaussian(r) * std);
            }
            return Tensor.ofFloats(dims, v);
        }

        Tensor uniform(int n, double lo, double hi) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (lo + (hi - lo) * r.nextDouble());
            }
            return Tensor.ofFloats(new long[] {n}, v);
        }

        /** Conv (no bias) + BatchNormalization (+ Relu); He-scaled weights, BN near identity. */
        String convBn(String x, int in, int out, int k, int stride, boolean relu, String name) {
            g.initializer(name + "_w", normal(new long[] {out, in, k, k}, Math.sqrt(2.0 / (in * k * k))));
            int pad = k / 2;
            g.node("Conv", List.of(x, name + "_w"), List.of(name + "_conv"), Map.of(
                    "kernel_shape", Attr.ofInts(k, k), "strides", Attr.ofInts(stride, stride),
                    "pads", Attr.ofInts(pad, pad, pad, pad)));
            // the residual branch's last BN starts small (as zero-γ init does), so sums do not blow up
            double gamma = relu ? 1.0 : 0.3;
            g.initializer(name + "_gamma", uniform(out, 0.5 * gamma, gamma));
            g.initializer(name + "_beta", uniform(out, -0.1, 0.1));
            g.initializer(name + "_mean", uniform(out, -0.1, 0.1));
            g.initializer(name + "_var", uniform(out, 0.5, 1.5));
            String y = name + (relu ? "_bn" : "");
            g.node("BatchNormalization", List.of(name + "_conv", name + "_gamma", name + "_beta", name + "_mean",
                    name + "_var"), List.of(y), Map.of("epsilon", Attr.of(1e-5f)));
            if (relu) {
                g.node("Relu", List.of(y), List.of(name));
                return name;
            }
            return y;
        }

        String linear(String x, int in, int out, String name) {
            g.initializer(name + "_w", normal(new long[] {in, out}, Math.sqrt(1.0 / in)));
            g.initializer(name + "_b", normal(new long[] {out}, 0.02));
            g.node("MatMul", List.of(x, name + "_w"), List.of(name + "_mm"));
            g.node("Add", List.of(name + "_mm", name + "_b"), List.of(name));
            return name;
        }

        /** [N, S, H] → [N, heads, S, dh] (or [N, heads, dh, S] when {@code transposed}, for Kᵀ). */
        String heads(String x, String name, boolean transposed) {
            g.node("Reshape", List.of(x, "split_heads"), List.of(name + "_split"));
            g.node("Transpose", List.of(name + "_split"), List.of(name + "_heads"),
                    Map.of("perm", transposed ? Attr.ofInts(0, 2, 3, 1) : Attr.ofInts(0, 2, 1, 3)));
            return name + "_heads";
        }

        String layerNorm(String x, int hidden, String name) {
            g.initializer(name + "_g", uniform(hidden, 0.9, 1.1));
            g.initializer(name + "_b", uniform(hidden, -0.05, 0.05));
            g.node("LayerNormalization", List.of(x, name + "_g", name + "_b"), List.of(name),
                    Map.of("axis", Attr.of(-1L), "epsilon", Attr.of(1e-12f)));
            return name;
        }
    }
}
