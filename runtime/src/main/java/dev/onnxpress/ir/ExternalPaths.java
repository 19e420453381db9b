package dev.onnxpress.ir;

import dev.onnxpress.error.InvalidModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Resolves external-data locations, refusing any that would leave the model's folder. */
final class ExternalPaths {
    private ExternalPaths() {
    }

    static Path resolve(Path folder, String location, String source, String what) {
        if (folder == null) {
            throw new InvalidModelException(source + ": " + what + " keeps its data in external file '" + location
                    + "', but the model was not read from a folder");
        }
        if (location.startsWith("/") || location.startsWith("\\") || location.matches("^[A-Za-z]:.*")
                || location.indexOf('\0') >= 0) {
            throw new InvalidModelException(source + ": " + what + " names external data at an absolute path '"
                    + location + "'; locations must be relative to the model's folder");
        }
        Path base = folder.toAbsolutePath().normalize();
        Path file;
        try {
            file = base.resolve(location).normalize();
        } catch (InvalidPathException e) {
            throw new InvalidModelException(source + ": " + what + " names an invalid external data path '"
                    + location + "'");
        }
        if (!file.startsWith(base) || file.equals(base)) {
            throw new InvalidModelException(source + ": " + what + " names external data '" + location
                    + "' outside the model's folder");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException(source + ": external data file '" + location + "' of " + what
                    + " not found in " + base);
        }
        try {
            Path real = file.toRealPath();
            if (!real.startsWith(base.toRealPath())) {
                throw new InvalidModelException(source + ": external data '" + location + "' of " + what
                        + " links outside the model's folder");
            }
            return real;
        } catch (IOException e) {
            throw new InvalidModelException(source + ": cannot resolve external data '" + location + "' ("
                    + e.getMessage() + ")");
        }
    }
}
