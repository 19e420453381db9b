package dev.onnxpress.report;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a report file so that a reader never sees half of it and a failed write leaves no debris. */
final class ReportFiles {
    private ReportFiles() {
    }

    static void writeAtomically(Path path, String text, String what) {
        Path target = path.toAbsolutePath().normalize();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            if (Files.isDirectory(target)) {
                throw new UserException("cannot write " + what + " " + path + ": it is a directory");
            }
            Files.createDirectories(dir);
            // same directory as the target, so the move is a rename on one file system
            tmp = AtomicFiles.createTemp(dir, target.getFileName().toString());
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            AtomicFiles.moveIntoPlace(tmp, target);
            tmp = null;
        } catch (IOException e) {
            throw new UserException("cannot write " + what + " " + path + ": " + reason(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
    }

    private static String reason(IOException e) {
        String name = e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2");
        return e.getMessage() == null ? name.toLowerCase(java.util.Locale.ROOT)
                : name.toLowerCase(java.util.Locale.ROOT) + " (" + e.getMessage() + ")";
    }
}
