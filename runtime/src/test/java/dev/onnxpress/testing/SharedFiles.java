package dev.onnxpress.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's shared models and data sets (system property {@code onnxpress.shared.dir}, set by the
 * build to {@code ../shared}). A test that needs a file which is not there fails and says where it
 * looked: silently skipping would hide a broken checkout.
 */
public final class SharedFiles {
    public static final String PROPERTY = "onnxpress.shared.dir";

    private SharedFiles() {
    }

    public static Path dir() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            throw new AssertionError("system property " + PROPERTY + " is not set (the build sets it to ../shared)");
        }
        Path dir = Path.of(p).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new AssertionError("shared folder not found: looked at " + dir + " (" + PROPERTY + "=" + p + ")");
        }
        return dir;
    }

    /** {@code models/NAME/model.onnx}. */
    public static Path model(String name) {
        return existing(modelDir(name).resolve("model.onnx"));
    }

    /** {@code models/NAME/}. */
    public static Path modelDir(String name) {
        return existing(dir().resolve("models").resolve(name));
    }

    /** A file or folder under {@code data/}, e.g. {@code data("fashion-mnist/t10k-images-idx3-ubyte.gz")}. */
    public static Path data(String relative) {
        return existing(dir().resolve("data").resolve(relative));
    }

    /** Any path under the shared folder. */
    public static Path file(String relative) {
        return existing(dir().resolve(relative));
    }

    private static Path existing(Path p) {
        if (!Files.exists(p)) {
            throw new AssertionError("shared file not found: looked at " + p + " (" + PROPERTY + "="
                    + System.getProperty(PROPERTY) + ")");
        }
        return p;
    }
}
