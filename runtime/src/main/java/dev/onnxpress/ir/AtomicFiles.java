package dev.onnxpress.ir;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Output files are written next to their target under a temporary name and renamed into place when
 * complete, so a reader never sees half a file and a failure leaves the old file (or none).
 *
 * <p>Temporary files are named {@code .<target>.onnxpress-<pid>-<n>.tmp}. Every live one is registered, and a
 * shutdown hook deletes those still there when the JVM stops (normal exit, SIGTERM, SIGINT). A run that was
 * killed outright (SIGKILL) can still leave some: {@link #removeStale(Path)} deletes those of our naming whose
 * process is gone and which are older than this run.
 */
public final class AtomicFiles {
    private static final String MARK = ".onnxpress-";
    private static final Pattern OURS = Pattern.compile("^\\..+\\.onnxpress-(\\d+)-\\d+\\.tmp$");
    private static final long PID = ProcessHandle.current().pid();
    private static final long STARTED = ProcessHandle.current().info().startInstant()
            .map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis());
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile boolean stopping;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::deleteLive, "onnxpress-temp-cleanup"));
    }

    private AtomicFiles() {
    }

    /**
     * A new temporary file in {@code folder}, readable by others like a normally created file
     * ({@code rw-r--r--}; temporary files are otherwise private to their owner). It stays registered for
     * deletion at shutdown until moved into place or {@link #delete deleted}.
     */
    public static Path createTemp(Path folder, String targetName) throws IOException {
        if (stopping) {
            throw new IOException("shutting down");
        }
        Path tmp = Files.createTempFile(folder, "." + targetName + MARK + PID + "-", ".tmp");
        LIVE.add(tmp);
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
        LIVE.remove(tmp);
    }

    /** Deletes a temporary file (if still there) and forgets it. */
    public static void delete(Path tmp) throws IOException {
        try {
            Files.deleteIfExists(tmp);
        } finally {
            LIVE.remove(tmp);
        }
    }

    /** True when {@code fileName} is one of our temporary files. */
    public static boolean isOurTemp(String fileName) {
        return OURS.matcher(fileName).matches();
    }

    /**
     * Deletes temporary files of our naming in {@code folder} left by runs that no longer exist: the process
     * that made one is gone (or is this one, and the file predates it), and the file is older than this run.
     * Returns how many were deleted. Never throws: a file we cannot list or delete is left.
     */
    public static int removeStale(Path folder) {
        int removed = 0;
        if (folder == null || !Files.isDirectory(folder)) {
            return 0;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, ".*" + MARK + "*.tmp")) {
            for (Path f : files) {
                Matcher m = OURS.matcher(f.getFileName().toString());
                if (!m.matches() || LIVE.contains(f)) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (!a.isRegularFile() || a.lastModifiedTime().toMillis() >= STARTED) {
                        continue;
                    }
                    long pid = Long.parseLong(m.group(1));
                    if (pid != PID && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        continue;
                    }
                    if (Files.deleteIfExists(f)) {
                        removed++;
                    }
                } catch (IOException | NumberFormatException | SecurityException e) {
                    // leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable folder: nothing to clean
        }
        return removed;
    }

    private static void deleteLive() {
        stopping = true;
        for (Path p : LIVE) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException | RuntimeException e) {
                // best effort at shutdown
            }
        }
        LIVE.clear();
    }
}
