package dev.onnxpress.report;

import dev.onnxpress.error.Shown;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a report file so that a reader never sees half of it and a failed write leaves no debris. */
public final class ReportFiles {
    private ReportFiles() {
    }

    static void writeAtomically(Path path, String text, String what) {
        try (Staged s = stage(path, text, what)) {
            s.commit();
        }
    }

    /**
     * Writes {@code text} to a temporary file beside {@code path}; {@link Staged#commit()} moves it into place,
     * closing without a commit deletes it. A failure is a user error naming the file.
     */
    public static Staged stage(Path path, String text, String what) {
        Path target = path.toAbsolutePath().normalize();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            if (Files.isDirectory(target)) {
                throw new UserException("cannot write " + what + " " + Shown.path(path) + ": it is a directory");
            }
            Files.createDirectories(dir);
            // same directory as the target, so the move is a rename on one file system
            tmp = AtomicFiles.createTemp(dir, target.getFileName().toString());
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Staged s = new Staged(tmp, target, path, what);
            tmp = null;
            return s;
        } catch (IOException e) {
            throw new UserException("cannot write " + what + " " + Shown.path(path) + ": " + reason(e), e);
        } finally {
            if (tmp != null) {
                try {
                    AtomicFiles.delete(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
    }

    /** A report written under a temporary name, not yet in place. */
    public static final class Staged implements AutoCloseable {
        private final Path tmp;
        private final Path target;
        private final Path shown;
        private final String what;
        private boolean finished;

        private Staged(Path tmp, Path target, Path shown, String what) {
            this.tmp = tmp;
            this.target = target;
            this.shown = shown;
            this.what = what;
        }

        public void commit() {
            try {
                AtomicFiles.moveIntoPlace(tmp, target);
                finished = true;
            } catch (IOException e) {
                throw new UserException("cannot write " + what + " " + Shown.path(shown) + ": " + reason(e), e);
            } finally {
                close();
            }
        }

        @Override
        public void close() {
            if (!finished) {
                finished = true;
                try {
                    AtomicFiles.delete(tmp);
                } catch (IOException ignored) {
                    // best effort
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
