package dev.onnxpress.passes.convert.external;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code internalize_data}: asks for every tensor to be written inline (one self-contained file). See
 * {@link ExternalizeDataPass} for how the request reaches the writer.
 */
public final class InternalizeDataPass implements Pass<InternalizeDataOptions> {
    public static final String ID = "internalize_data";

    private static final PassInfo INFO = new PassInfo(ID,
            "Write every tensor inline: one self-contained model file (at most 2 GB)",
            Set.of(PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT), List.of());

    @Override
    public PassInfo info() {
        return INFO;
    }

    @Override
    public Class<InternalizeDataOptions> optionsType() {
        return InternalizeDataOptions.class;
    }

    @Override
    public PassResult run(Model model, InternalizeDataOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        rw.setWriteOptions(Optional.of(ModelWriter.Options.inline()));
        return PassResult.builder().build(rw.changes() > 0);
    }
}
