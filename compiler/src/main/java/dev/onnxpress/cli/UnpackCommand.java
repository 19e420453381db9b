package dev.onnxpress.cli;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.runtime.OnnxpressRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code onnxpress unpack PACKED OUT}: decode every packed tensor ({@code pack_huffman}) and write a plain
 * ONNX model that any runtime loads. The output appears only when complete; IN is never written.
 */
@Command(name = "unpack", description = {"Decode the packed tensors of a model onnxpress wrote and write a plain",
        "ONNX model any runtime loads (bit-exact: the decoded weights equal the ones packed)."})
final class UnpackCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PACKED", description = "The packed model.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Where to write the plain model (not PACKED).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(in)) {
            throw new UserException("input model not found: " + in);
        }
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new UserException("OUT must differ from PACKED: " + out);
        }
        RunOutputs files = new RunOutputs().input(in, "the input model")
                .output(RunOutputs.rawPositional(spec, 1), out, "output").check();
        Model m = ModelReader.read(in);
        files.inputRead(m);
        int decoded = OnnxpressRuntime.unpack(m);
        ModelWriter.Written w = ModelWriter.write(m, out, m.writeOptions().orElse(ModelWriter.Options.defaults()),
                files.guard());
        spec.commandLine().getOut().printf("%s: %d packed tensor%s decoded, %d bytes written%n", out, decoded,
                decoded == 1 ? "" : "s", w.totalBytes());
        return 0;
    }
}
