package dev.onnxpress.pipeline;

import dev.onnxpress.error.UserException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Private scratch folders of a run (models written for ONNX Runtime to load by path, spilled verification
 * outputs): created under the system temporary folder, readable by the owner only, removed when the run
 * is done with them, and by a shutdown hook for whatever a run that ended abruptly (an exception, SIGINT,
 * SIGTERM) left behind.
 */
final class TempDirs {
    private static final Set<Path> LIVE = new LinkedHashSet<>();
    private static boolean hooked;

    private TempDirs() {
    }

    /** A new private folder named {@code onnxpress-<what>-…}; remove it with {@link #delete}. */
    static Path create(String what) {
        Path dir;
        try {
            try {
                dir = Files.createTempDirectory("onnxpress-" + what + "-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                dir = Files.createTempDirectory("onnxpress-" + what + "-"); // not a POSIX file system
            }
        } catch (IOException e) {
            throw new UserException("cannot create a temporary folder in " + System.getProperty("java.io.tmpdir")
                    + ": " + e.getMessage(), e);
        }
        synchronized (LIVE) {
            LIVE.add(dir);
            if (!hooked) {
                hooked = true;
                Runtime.getRuntime().addShutdownHook(new Thread(TempDirs::deleteAll, "onnxpress-temp-cleanup"));
            }
        }
        return dir;
    }

    /** Removes {@code dir} and everything in it; quiet about files already gone. */
    static void delete(Path dir) {
        synchronized (LIVE) {
            LIVE.remove(dir);
        }
        deleteTree(dir);
    }

    /** Folders created and not yet deleted (for tests). */
    static Set<Path> live() {
        synchronized (LIVE) {
            return Set.copyOf(LIVE);
        }
    }

    private static void deleteAll() {
        Set<Path> all;
        synchronized (LIVE) {
            all = new LinkedHashSet<>(LIVE);
            LIVE.clear();
        }
        // the run may still be writing while the hook runs: a file created after one sweep goes in the next
        for (int sweep = 0; sweep < 3 && !all.isEmpty(); sweep++) {
            all.forEach(TempDirs::deleteTree);
            all.removeIf(d -> !Files.exists(d));
            if (!all.isEmpty()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // gone meanwhile
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    try {
                        Files.deleteIfExists(d);
                    } catch (IOException notEmpty) {
                        // a file appeared meanwhile: the next sweep takes it
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // best effort: a scratch file that cannot be removed is not worth failing a run over
        }
    }
}
