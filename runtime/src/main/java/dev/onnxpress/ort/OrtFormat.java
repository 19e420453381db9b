package dev.onnxpress.ort;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes ONNX Runtime's {@code .ort} format: ORT loads the model and saves it with the session config
 * entry {@code session.save_model_format=ORT}. Basic graph optimizations are applied first (standard ops
 * only, e.g. Conv+BatchNormalization folded), which is what ORT's own converter does for portable
 * models. The file appears only when complete.
 */
public final class OrtFormat {
    private OrtFormat() {
    }

    /** The .ort path beside an ONNX output: {@code dir/model.onnx} → {@code dir/model.ort}. */
    public static Path besides(Path onnxOutput) {
        String name = onnxOutput.getFileName().toString();
        String base = name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
        return onnxOutput.resolveSibling(base + ".ort");
    }

    public static void write(Model model, Path out) {
        write(ModelWriter.toBytes(model), out);
    }

    /** Converts serialized ONNX bytes (tensors inline) to an .ort file at {@code out} (must end ".ort"). */
    public static void write(byte[] model, Path out) {
        Path abs = out.toAbsolutePath();
        if (!abs.getFileName().toString().endsWith(".ort")) {
            throw new UserException(out + ": an ONNX Runtime format file must end in .ort");
        }
        Path folder = abs.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new UserException(out + ": output folder " + folder + " does not exist");
        }
        Path tmp = folder.resolve("." + abs.getFileName() + "." + ProcessHandle.current().pid() + ".tmp.ort");
        try {
            OrtRunner.Options o = OrtRunner.Options.defaults().withOptimization(OptimizationLevel.BASIC)
                    .withOptimizedModelPath(tmp).withOrtFormat(true);
            try (OrtRunner r = OrtRunner.open(model, o)) {
                r.inputs(); // the session wrote the file while it was created
            }
            if (!Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
                throw new UserException(out + ": ONNX Runtime wrote no .ort file");
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UserException(out + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a leftover temporary file is hidden and harmless
            }
        }
    }
}
