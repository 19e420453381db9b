/*
 * externalize_data(min_bytes, single_file) / internalize_data(): where tensors are stored when the
 * model is written.
 *
 *   model.onnx (40 MB, weights inline)  ⇒  model.onnx (60 KB) + model.onnx.data (40 MB)   externalize
 *   model.onnx + model.onnx.data        ⇒  model.onnx (40 MB)                               internalize
 *
 * Neither pass touches the graph: they record the placement in the model (Model.writeOptions), which
 * ModelWriter.write(model, path) honours. Externalized tensors are those of at least min_bytes (string
 * tensors always stay inline, as ONNX requires); single_file puts them in one data file named after the
 * model, else one file per tensor. Internalizing a model whose weights exceed protobuf's 2 GB limit
 * fails at write time with a clear message. Exact: tensors are written byte for byte.
 */
package dev.onnxpress.passes.convert.external;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.ir.Tensor;
import java.util.Optional;

/** Asks for tensors of at least {@code min_bytes} to be written as external data. */
@PassSpec(id = ExternalizeDataPass.ID,
        summary = "Write tensors of at least min_bytes as external data (one file or one per tensor)",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "tensors_externalized", doc = "tensors written to external data"),
                @Statistic(name = "bytes_externalized", doc = "bytes written to external data")})
public final class ExternalizeDataPass implements Pass<ExternalizeDataOptions> {
    public static final String ID = "externalize_data";

    @Override
    public PassResult run(Model model, ExternalizeDataOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        rw.setWriteOptions(Optional.of(ModelWriter.Options.external(options.min_bytes(), options.single_file())));
        long count = 0;
        long bytes = 0;
        for (var g : model.graph().allGraphs()) {
            for (Tensor t : g.initializers().values()) {
                if (t.byteSize() >= options.min_bytes() && t.dataType() != dev.onnxpress.ir.DataType.STRING) {
                    count++;
                    bytes += t.byteSize();
                }
            }
        }
        return PassResult.builder().add("tensors_externalized", count).add("bytes_externalized", bytes)
                .build(rw.changes() > 0);
    }
}
