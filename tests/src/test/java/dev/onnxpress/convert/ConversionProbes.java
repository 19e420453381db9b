package dev.onnxpress.convert;

import dev.onnxpress.analysis.OutputMetrics;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.testing.DatalessContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Probe inputs for the shared models and the comparisons the conversion tests use. Symbolic dims get
 * sizes a model accepts: batch 1, PaddleOCR detection 64×64 (multiples of 32), recognition and
 * classification height 48 and width 96 (height is the third dim of an image input, width the fourth).
 */
final class ConversionProbes {
    static final List<String> MODELS = List.of("lenet300_fashion", "lenet5_fashion", "mnist_cnn",
            "ppocr_cls_mobile_v2", "ppocrv4_det", "ppocrv4_rec", "ultraface_rfb640", "vgg_bn_fashion", "yolox_nano");

    private ConversionProbes() {
    }

    /** Sizes for the symbolic dims of a model's inputs, by dim name. */
    static Map<String, Long> symbolicSizes(String modelName, Model m) {
        Map<String, Long> out = new LinkedHashMap<>();
        boolean det = modelName.contains("det");
        for (Value in : m.graph().realInputs()) {
            List<Dim> shape = in.tensorType().orElseThrow().shape().orElseThrow();
            for (int i = 0; i < shape.size(); i++) {
                if (shape.get(i) instanceof Dim.Symbolic s) {
                    long size = i == 0 ? 1 : i == 2 ? (det ? 64 : 48) : i == 3 ? (det ? 64 : 96) : 1;
                    out.putIfAbsent(s.name(), size);
                }
            }
        }
        return out;
    }

    static Map<String, Tensor> feeds(Model m, Map<String, Long> sizes, long seed) {
        Random random = new Random(seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Value in : m.graph().realInputs()) {
            List<Dim> shape = in.tensorType().orElseThrow().shape().orElseThrow();
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                Dim d = shape.get(i);
                dims[i] = d instanceof Dim.Symbolic s ? sizes.get(s.name()) : d.sizeOr(1);
            }
            double[] v = new double[Math.toIntExact(Tensor.elementCount(dims))];
            for (int i = 0; i < v.length; i++) {
                v[i] = random.nextDouble();
            }
            out.put(in.name(), Tensor.of(DataType.FLOAT, dims, v));
        }
        return out;
    }

    /** Runs the model; float16 inputs are fed when the model declares them. */
    static Map<String, Tensor> run(Model m, Map<String, Tensor> feeds) {
        Map<String, Tensor> typed = new LinkedHashMap<>();
        for (Value in : m.graph().realInputs()) {
            Tensor t = feeds.get(in.name());
            DataType want = in.tensorType().orElseThrow().elemType();
            typed.put(in.name(), t.dataType() == want ? t : Tensor.of(want, t.dims(), t.toDoubleArray()));
        }
        try (OrtRunner r = OrtRunner.open(ModelWriter.toBytes(m))) {
            return r.run(typed);
        }
    }

    static double cosine(Tensor a, Tensor b) {
        OutputMetrics.Cosine c = new OutputMetrics.Cosine();
        c.add(a.toDoubleArray(), b.toDoubleArray());
        return c.value();
    }

    /** Largest |a−b| relative to the largest |a| (1 when a is all zeros). */
    static double relativeMaxDiff(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < x.length; i++) {
            diff = Math.max(diff, Math.abs(x[i] - y[i]));
            scale = Math.max(scale, Math.abs(x[i]));
        }
        return diff / Math.max(scale, 1);
    }

    /** A context for passes that need no data. */
    static PassContext context() {
        return new DatalessContext("conversion passes use no data", 1);
    }

    static List<String> dimsOption(Map<String, Long> sizes) {
        List<String> out = new ArrayList<>();
        sizes.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }
}
