package dev.onnxpress.exec;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.util.List;
import java.util.Map;

/** One loaded model in one {@link InferenceRuntime}. Returned tensors are plain Java copies. */
public interface ModelSession extends AutoCloseable {

    /** The runtime that loaded the model. */
    String runtime();

    List<IoInfo> inputs();

    List<IoInfo> outputs();

    /**
     * All graph outputs for one batch of named inputs. Throws {@link RuntimeRejection} when the runtime
     * fails to run the model (its own message).
     */
    Map<String, Tensor> run(Map<String, Tensor> feeds);

    @Override
    void close();
}
