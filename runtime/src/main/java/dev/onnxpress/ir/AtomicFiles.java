package dev.onnxpress.ir;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Output files are written next to their target under a temporary name and renamed into place when
 * complete, so a reader never sees half a file and a failure leaves the old file (or none).
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /**
     * A new temporary file in {@code folder}, readable by others like a normally created file
     * ({@code rw-r--r--}; temporary files are otherwise private to their owner).
     */
    public static Path createTemp(Path folder, String targetName) throws IOException {
        Path tmp = Files.createTempFile(folder, "." + targetName + ".", ".tmp");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return tmp;
    }

    /** Renames {@code tmp} over {@code target}, atomically where the file system can. */
    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
