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
                "MACs are for one run with every symbolic dimension (such as the batch) set to 1; they are",
                "unknown when the model cannot run that way."})
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "The .onnx file.")
    Path model;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Model m = ModelReader.read(model);
        Inspection inspection = Inspection.of(model, m);
        if (json) {
            try {
                spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(inspection.toJson()));
            } catch (JsonProcessingException e) {
                throw new InternalException("cannot render the inspection as JSON: " + e.getMessage(), e);
            }
        } else {
            spec.commandLine().getOut().print(inspection.toText());
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
