package dev.onnxpress.data;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.ort.OrtRunner;
import java.util.List;
import java.util.stream.Collectors;

/** A model's inputs and outputs as ORT reports them: what data has to fit. */
public record ModelSignature(List<IoInfo> inputs, List<IoInfo> outputs) {
    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public static ModelSignature of(OrtRunner runner) {
        return new ModelSignature(runner.inputs(), runner.outputs());
    }

    public static ModelSignature of(dev.onnxpress.exec.ModelSession session) {
        return new ModelSignature(session.inputs(), session.outputs());
    }

    /** The named input, or a UserException listing the inputs there are. */
    public IoInfo input(String name) {
        return inputs.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow(() -> new UserException(
                "the model has no input '" + name + "'; its inputs are "
                        + inputs.stream().map(IoInfo::name).collect(Collectors.joining(", "))));
    }
}
