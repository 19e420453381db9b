package dev.onnxpress.passes;

import java.util.List;
import java.util.Optional;

/**
 * Every pass onnxpress knows, in one explicit list: greppable, reviewable, and tested for completeness
 * (each pass documents every parameter and runs on every shared model).
 */
public final class PassRegistry {
    private static final List<Pass<?>> PASSES = List.of(
            // one line per pass, grouped by family; ids never change once released
            new dev.onnxpress.passes.strip.training.StripTrainingNodesPass(),
            new dev.onnxpress.passes.strip.identity.RemoveIdentityPass(),
            new dev.onnxpress.passes.strip.deadnodes.RemoveDeadNodesPass(),
            new dev.onnxpress.passes.strip.initializers.RemoveUnusedInitializersPass(),
            new dev.onnxpress.passes.strip.dedupe.DedupeInitializersPass(),
            new dev.onnxpress.passes.strip.docs.StripDocsPass(),
            new dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPass(),
            new dev.onnxpress.passes.fold.constants.FoldConstantsPass(),
            new dev.onnxpress.passes.fold.scalebias.FuseScaleBiasPass(),
            new dev.onnxpress.passes.fold.matmuladd.FuseMatMulAddPass(),
            new dev.onnxpress.passes.fold.cse.EliminateCommonSubexpressionsPass(),
            new dev.onnxpress.passes.prune.channels.PruneChannelsPass(),
            new dev.onnxpress.passes.prune.magnitude.PruneMagnitudePass(),
            new dev.onnxpress.passes.share.ShareWeightsPass(),
            new dev.onnxpress.passes.pack.PackHuffmanPass(),
            new dev.onnxpress.passes.convert.fp16.ConvertFp16Pass(),
            new dev.onnxpress.passes.convert.opset.ConvertOpsetPass(),
            new dev.onnxpress.passes.convert.shapes.FixShapesPass(),
            new dev.onnxpress.passes.convert.external.ExternalizeDataPass(),
            new dev.onnxpress.passes.convert.external.InternalizeDataPass(),
            new dev.onnxpress.passes.convert.ortformat.SaveOrtFormatPass(),
            new dev.onnxpress.passes.convert.standard.StripToStandardOpsPass(),
            new dev.onnxpress.passes.convert.compatible.MakeCompatiblePass(),
            new dev.onnxpress.passes.quant.ternary.QuantizeTernaryPass(),
            new dev.onnxpress.passes.quant.binary.QuantizeBinaryPass(),
            new dev.onnxpress.passes.quant.int8.QuantizeInt8Pass(),
            new dev.onnxpress.passes.exits.AddEarlyExitsPass()
    );

    private PassRegistry() {
    }

    public static List<Pass<?>> all() {
        return PASSES;
    }

    public static Optional<Pass<?>> find(String id) {
        return PASSES.stream().filter(p -> p.info().id().equals(id)).findFirst();
    }

    public static List<String> ids() {
        return PASSES.stream().map(p -> p.info().id()).toList();
    }
}
