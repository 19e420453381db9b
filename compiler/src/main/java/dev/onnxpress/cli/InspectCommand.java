package dev.onnxpress.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code onnxpress inspect MODEL [--json]}: what a model holds and what it costs to run. */
@Command(name = "inspect", sortOptions = false,
        description = {"Show a model's nodes, op histogram, parameters, weight bytes by type, file size, opsets,",
                "inputs and outputs, and the multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul.",
                "MACs are for one run with every symbolic dimension (e.g. the batch) set to 1; they are",
                "unknown when the model cannot run that way."})
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "The .onnx file.")
    Path model;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Option(names = "--runtime", paramLabel = "RUNTIME",
            description = "Also list what RUNTIME (opencv, ort, ort_mobile) cannot run as it is, by its measured"
                    + " capability table, and whether make_compatible can fix each.")
    String runtime;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Model m = ModelReader.read(model);
        Inspection inspection = Inspection.of(model, m);
        CompatibilityNotes notes = runtime == null ? null : CompatibilityNotes.of(m, runtime);
        if (json) {
            try {
                var tree = inspection.toJson();
                if (notes != null && tree instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                    o.set("runtime", notes.toJson());
                }
                spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(tree));
            } catch (JsonProcessingException e) {
                throw new InternalException("cannot render the inspection as JSON: " + e.getMessage(), e);
            }
        } else {
            spec.commandLine().getOut().print(inspection.toText());
            if (notes != null) {
                spec.commandLine().getOut().print(notes.toText());
            }
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
