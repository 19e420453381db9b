package dev.onnxpress.quant;

import dev.onnxpress.data.Batch;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.core.RidgeFit;
import dev.onnxpress.testing.GraphBuilder;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small ResNet-style Fashion-MNIST classifier built with the IR: a Conv-BN-Relu stem, residual blocks
 * (Conv-BN-Relu-Conv-BN plus the identity, Add, Relu), max pooling between stages, and a Gemm head. The
 * convolutions and batch norms are random (fixed seed); the head is fitted by ridge least squares on
 * one-hot labels over the features of a training set, so accuracy is meaningful (about 80%) without
 * training the network. Input {@code input} [N,1,28,28], output {@code logits} [N,10].
 */
public final class ResidualNet {
    static final int CHANNELS = 8;
    static final int FEATURES = CHANNELS * 7 * 7;
    static final int CLASSES = 10;

    private ResidualNet() {
    }

    /** The network without its head (output {@code features} [N, 392]), and with the head when given. */
    static Model build(long seed, float[] head, float[] bias) {
        Random r = new Random(seed);
        GraphBuilder b = GraphBuilder.model("resnet").opset(13);
        b.input("input", DataType.FLOAT, "N", 1, 28, 28);
        String x = convBn(b, r, "stem", "input", 1, true);
        b.node("MaxPool", List.of(x), List.of("pool1"), Map.of("kernel_shape", Attr.ofInts(2, 2),
                "strides", Attr.ofInts(2, 2)));
        x = block(b, r, "b1", "pool1");
        x = block(b, r, "b2", x);
        b.node("MaxPool", List.of(x), List.of("pool2"), Map.of("kernel_shape", Attr.ofInts(2, 2),
                "strides", Attr.ofInts(2, 2)));
        x = block(b, r, "b3", "pool2");
        x = block(b, r, "b4", x);
        b.node("Flatten", List.of(x), List.of("features"), Map.of("axis", Attr.of(1L)));
        if (head == null) {
            b.output("features", DataType.FLOAT, "N", FEATURES);
            return b.build();
        }
        b.initializer("head_w", Tensor.ofFloats(new long[] {CLASSES, FEATURES}, head));
        b.initializer("head_b", Tensor.ofFloats(new long[] {CLASSES}, bias));
        b.node("Gemm", List.of("features", "head_w", "head_b"), List.of("logits"), Map.of("transB", Attr.of(1L)));
        b.output("logits", DataType.FLOAT, "N", CLASSES);
        return b.build();
    }

    private static String block(GraphBuilder b, Random r, String name, String in) {
        String h = convBn(b, r, name + "_a", in, CHANNELS, true);
        String y = convBn(b, r, name + "_b", h, CHANNELS, false);
        b.node("Add", List.of(y, in), List.of(name + "_sum"));
        b.node("Relu", List.of(name + "_sum"), List.of(name + "_out"));
        return name + "_out";
    }

    private static String convBn(GraphBuilder b, Random r, String name, String in, int inChannels, boolean relu) {
        int fanIn = inChannels * 9;
        float[] w = new float[CHANNELS * fanIn];
        double std = Math.sqrt(2.0 / fanIn);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * std);
        }
        float[] gamma = new float[CHANNELS];
        float[] beta = new float[CHANNELS];
        float[] mean = new float[CHANNELS];
        float[] var = new float[CHANNELS];
        for (int c = 0; c < CHANNELS; c++) {
            gamma[c] = (float) (0.5 + r.nextDouble());
            beta[c] = (float) (0.2 * r.nextGaussian());
            mean[c] = (float) (0.1 * r.nextGaussian());
            var[c] = (float) (0.5 + 1.5 * r.nextDouble());
        }
        long[] ch = {CHANNELS};
        b.initializer(name + "_w", Tensor.ofFloats(new long[] {CHANNELS, inChannels, 3, 3}, w));
        b.initializer(name + "_gamma", Tensor.ofFloats(ch, gamma));
        b.initializer(name + "_beta", Tensor.ofFloats(ch, beta));
        b.initializer(name + "_mean", Tensor.ofFloats(ch, mean));
        b.initializer(name + "_var", Tensor.ofFloats(ch, var));
        b.node("Conv", List.of(in, name + "_w"), List.of(name + "_conv"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)));
        b.node("BatchNormalization", List.of(name + "_conv", name + "_gamma", name + "_beta", name + "_mean",
                name + "_var"), List.of(name + "_bn"));
        if (!relu) {
            return name + "_bn";
        }
        b.node("Relu", List.of(name + "_bn"), List.of(name + "_relu"));
        return name + "_relu";
    }

    /** The network with its head fitted on {@code train} (ridge least squares on one-hot labels). */
    public static byte[] fitted(long seed, DataSet train) {
        byte[] features = ModelWriter.toBytes(build(seed, null, null));
        int n = FEATURES + 1;
        double[] gram = new double[n * n];
        double[][] rhs = new double[CLASSES][n];
        int[] labels = train.labels().orElseThrow();
        int row = 0;
        try (OrtRunner ort = OrtRunner.open(features)) {
            for (Batch batch : train.batches(ModelSignature.of(ort), 250)) {
                float[] f = ort.run(batch.feeds(), List.of("features")).get("features").toFloatArray();
                double[] v = new double[n];
                for (int s = 0; s < batch.count(); s++, row++) {
                    for (int k = 0; k < FEATURES; k++) {
                        v[k] = f[s * FEATURES + k];
                    }
                    v[FEATURES] = 1;
                    for (int i = 0; i < n; i++) {
                        if (v[i] == 0) {
                            continue;
                        }
                        for (int j = 0; j < n; j++) {
                            gram[i * n + j] += v[i] * v[j];
                        }
                        rhs[labels[row]][i] += v[i];
                    }
                }
            }
        }
        float[] head = new float[CLASSES * FEATURES];
        float[] bias = new float[CLASSES];
        for (int c = 0; c < CLASSES; c++) {
            double[] sol = RidgeFit.solve(gram, n, rhs[c], 1e-3).orElseThrow();
            for (int k = 0; k < FEATURES; k++) {
                head[c * FEATURES + k] = (float) sol[k];
            }
            bias[c] = (float) sol[FEATURES];
        }
        return ModelWriter.toBytes(build(seed, head, bias));
    }
}
