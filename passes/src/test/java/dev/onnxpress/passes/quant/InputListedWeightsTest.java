package dev.onnxpress.passes.quant;

import dev.onnxpress.passes.core.WeightedLayer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.prune.magnitude.PruneMagnitudeOptions;
import dev.onnxpress.passes.prune.magnitude.PruneMagnitudePass;
import dev.onnxpress.passes.quant.binary.QuantizeBinaryOptions;
import dev.onnxpress.passes.quant.binary.QuantizeBinaryPass;
import dev.onnxpress.passes.quant.ternary.QuantizeTernaryOptions;
import dev.onnxpress.passes.quant.ternary.QuantizeTernaryPass;
import dev.onnxpress.passes.share.ShareWeightsOptions;
import dev.onnxpress.passes.share.ShareWeightsPass;
import dev.onnxpress.passes.strip.initializers.RemoveUnusedInitializersOptions;
import dev.onnxpress.passes.strip.initializers.RemoveUnusedInitializersPass;
import dev.onnxpress.testing.GraphBuilder;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Weights that are initializers also listed as graph inputs (IR 3 style) may be overridden by a caller, so no
 * weight pass may change them; each must say so, naming the pass that unlists them, instead of passing silently.
 */
class InputListedWeightsTest {

    /** x[1,2,5,5] → three Convs whose weights are listed as graph inputs too; IR 4 so the listing can go. */
    private static Model model() {
        Random r = new Random(3);
        GraphBuilder b = GraphBuilder.model("listed").opset(13).irVersion(4).input("x", DataType.FLOAT, 1, 2, 5, 5);
        String in = "x";
        for (int k = 1; k <= 3; k++) {
            float[] w = new float[2 * 2 * 3 * 3];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
            }
            b.initializerInput("w" + k, Tensor.ofFloats(new long[] {2, 2, 3, 3}, w))
                    .node("Conv", List.of(in, "w" + k), List.of("c" + k), Map.of("pads", Attr.ofInts(1, 1, 1, 1)));
            in = "c" + k;
        }
        return b.output(in, DataType.FLOAT, 1, 2, 5, 5).build();
    }

    private static final List<Function<Model, PassResult>> WEIGHT_PASSES = List.of(
            m -> new PruneMagnitudePass().run(m, PassOptions.defaults(PruneMagnitudeOptions.class), new NoDataContext()),
            m -> new ShareWeightsPass().run(m, PassOptions.defaults(ShareWeightsOptions.class), new NoDataContext()),
            m -> new QuantizeTernaryPass().run(m, PassOptions.defaults(QuantizeTernaryOptions.class),
                    new NoDataContext()),
            m -> new QuantizeBinaryPass().run(m, PassOptions.defaults(QuantizeBinaryOptions.class),
                    new NoDataContext()));

    @Test
    void everyWeightPassSkipsAnInputListedWeightNamingTheFix() {
        for (Function<Model, PassResult> pass : WEIGHT_PASSES) {
            Model m = model();
            PassResult r = pass.apply(m);
            assertFalse(r.changed());
            assertEquals(3, r.skips().size(), r.skips().toString());
            for (var skip : r.skips()) {
                String why = skip.reason();
                assertTrue(why.contains("graph input") && why.contains("remove_unused_initializers()"), why);
            }
            assertTrue(r.skips().get(0).reason().contains("'w1'"), r.skips().get(0).reason());
        }
    }

    @Test
    void afterUnlistingTheSameLayerIsChanged() {
        for (Function<Model, PassResult> pass : WEIGHT_PASSES) {
            Model m = model();
            assertTrue(new RemoveUnusedInitializersPass().run(m, new RemoveUnusedInitializersOptions(false),
                    new NoDataContext()).changed());
            PassResult r = pass.apply(m);
            assertTrue(r.changed(), r.skips().toString());
            assertTrue(r.skips().stream().noneMatch(k -> k.reason().contains("graph input")), r.skips().toString());
        }
    }

    @Test
    void reasonsNameWhatIsWrongWithTheWeight() {
        Model m = GraphBuilder.model("kinds").opset(13)
                .input("x", DataType.FLOAT, 2, 3)
                .input("v", DataType.FLOAT, 3, 3)
                .initializer("a", Tensor.ofFloats(new long[] {2, 3}, new float[6]))
                .initializer("b", Tensor.ofFloats(new long[] {3, 3}, new float[9]))
                .node("MatMul", List.of("x", "v"), List.of("p"))
                .node("MatMul", List.of("a", "b"), List.of("q"))
                .node("Add", List.of("p", "q"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 3)
                .build();
        List<Node> mm = m.graph().nodes().stream().filter(n -> n.is("MatMul")).toList();
        assertTrue(WeightedLayer.whyNot(mm.get(0)).orElseThrow().contains("computed at run time"));
        assertTrue(WeightedLayer.whyNot(mm.get(1)).orElseThrow().contains("both operands are constant"));
        assertTrue(WeightedLayer.whyNot(m.graph().nodes().stream().filter(n -> n.is("Add")).findFirst()
                .orElseThrow()).isEmpty(), "not a weight op");
    }
}
