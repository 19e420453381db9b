package dev.onnxpress.passes.convert.external;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import java.util.Optional;

/**
 * {@code internalize_data}: asks for every tensor to be written inline (one self-contained file). See
 * {@link ExternalizeDataPass} for how the request reaches the writer.
 */
@PassSpec(id = InternalizeDataPass.ID,
        summary = "Write every tensor inline: one self-contained model file (at most 2 GB)",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT})
public final class InternalizeDataPass implements Pass<InternalizeDataOptions> {
    public static final String ID = "internalize_data";

    @Override
    public PassResult run(Model model, InternalizeDataOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        rw.setWriteOptions(Optional.of(ModelWriter.Options.inline()));
        return PassResult.builder().build(rw.changes() > 0);
    }
}
