/*
 * save_ort_format: also write ONNX Runtime's .ort format (FlatBuffers; what minimal/mobile ORT builds
 * load) next to the ONNX output: out/model.onnx ⇒ out/model.onnx + out/model.ort.
 *
 * The pass asks for the file in its result (PassResult.Output.ORT_FORMAT), an option of the run's output;
 * the pipeline writes it with dev.onnxpress.ort.OrtFormat.write after the ONNX output. The graph is not
 * changed, so the step is not measured again.
 */
package dev.onnxpress.passes.convert.ortformat;

import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;

/** Asks for an ONNX Runtime {@code .ort} file beside the ONNX output. */
@PassSpec(id = SaveOrtFormatPass.ID,
        summary = "Also write ONNX Runtime's .ort format (for minimal/mobile builds) next to the ONNX output",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT})
public final class SaveOrtFormatPass implements Pass<SaveOrtFormatOptions> {
    public static final String ID = "save_ort_format";

    @Override
    public PassResult run(Model model, SaveOrtFormatOptions options, PassContext ctx) {
        return PassResult.builder().note("an .ort file is written next to the output")
                .output(PassResult.Output.ORT_FORMAT).build(false);
    }
}
