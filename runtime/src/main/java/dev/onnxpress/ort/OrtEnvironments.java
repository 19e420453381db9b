package dev.onnxpress.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import dev.onnxpress.error.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * The one place that loads ONNX Runtime and holds its process-wide {@link OrtEnvironment}.
 *
 * <p>Why the natives are extracted here: every JVM that loads ORT from its jar unpacks ~28 MB of
 * shared libraries into {@code java.io.tmpdir}. ORT's system property {@value #NATIVE_PATH_PROPERTY}
 * names a folder that must <em>already hold</em> the libraries (ORT 1.29 does not extract into it;
 * it fails with "Native library 'onnxruntime' not found at …" when the folder is empty). So before ORT
 * initialises we copy the libraries from the jar into that folder once: the folder the property names
 * when it is set (the build sets {@code target/ort-native} for tests), otherwise a per-user cache
 * folder {@code ~/.cache/onnxpress/ort-<version>/<platform>} that every later CLI run reuses.
 * When that folder cannot be written, ORT is left to its own temporary extraction.
 *
 * <p>The environment logs FATAL only ({@link #setNativeLogging} under --debug: WARNING): ORT's warnings and
 * error lines are noise for a compiler that reports on models in its own words.
 */
public final class OrtEnvironments {
    public static final String NATIVE_PATH_PROPERTY = "onnxruntime.native.path";

    private static OrtEnvironment environment;
    /** ORT's own log lines on stderr: off (FATAL only) unless the user asked for --debug. */
    private static volatile boolean nativeLogging;

    private OrtEnvironments() {
    }

    /** The process-wide environment, created (and the natives prepared) on first use. */
    public static synchronized OrtEnvironment get() {
        if (environment == null) {
            prepareNatives();
            try {
                environment = OrtEnvironment.getEnvironment(logLevel(), "onnxpress");
            } catch (Throwable e) {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                // ORT also needs java.io.tmpdir to exist: it creates a scratch folder there on every load
                throw new UserException("cannot load ONNX Runtime (" + NATIVE_PATH_PROPERTY + "="
                        + System.getProperty(NATIVE_PATH_PROPERTY, "unset") + ", java.io.tmpdir="
                        + System.getProperty("java.io.tmpdir") + "): " + root.getClass().getSimpleName() + ": "
                        + root.getMessage(), e);
            }
        }
        return environment;
    }

    /**
     * Whether ONNX Runtime may print its own log lines (warnings and errors, to the process's stderr). Off by
     * default: onnxpress reports problems in its own words. Takes effect if set before the first use of ORT.
     */
    public static void setNativeLogging(boolean on) {
        nativeLogging = on;
    }

    /** The level for ORT's environment and sessions: WARNING under --debug, else FATAL only. */
    public static OrtLoggingLevel logLevel() {
        return nativeLogging ? OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING : OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
    }

    /** ORT's version as its jar declares it, e.g. "1.29.0". */
    public static String ortVersion() {
        Package p = OrtEnvironment.class.getPackage(); // a class literal does not initialise ORT
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    /** ORT's name for this platform's native folder in its jar: linux-x64, osx-aarch64, win-x64 … */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : "linux";
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return o + "-" + a;
    }

    static Path defaultNativeFolder() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("onnxpress").resolve("ort-" + ortVersion()).resolve(platform());
    }

    private static void prepareNatives() {
        String configured = System.getProperty(NATIVE_PATH_PROPERTY);
        Path folder = configured != null ? Path.of(configured) : defaultNativeFolder();
        boolean ready = extractNatives(folder);
        if (configured == null && ready) {
            System.setProperty(NATIVE_PATH_PROPERTY, folder.toAbsolutePath().toString());
        }
    }

    /** Copies the platform's libraries from the ORT jar into {@code folder} unless already there. */
    static boolean extractNatives(Path folder) {
        String resourceDir = "/ai/onnxruntime/native/" + platform() + "/";
        List<String> libraries = List.of("onnxruntime_providers_shared", "onnxruntime", "onnxruntime4j_jni");
        try {
            Files.createDirectories(folder);
            boolean any = false;
            for (String library : libraries) {
                String file = System.mapLibraryName(library);
                URL url = OrtEnvironment.class.getResource(resourceDir + file);
                if (url == null) {
                    continue; // providers_shared exists on Windows only
                }
                any = true;
                Path target = folder.resolve(file);
                URLConnection connection = url.openConnection();
                long size = connection.getContentLengthLong();
                if (Files.isRegularFile(target) && size >= 0 && Files.size(target) == size) {
                    continue;
                }
                // write beside, then rename: a concurrent JVM never loads a half-written library
                Path part = Files.createTempFile(folder, file, ".part");
                try (InputStream in = connection.getInputStream()) {
                    Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    Files.deleteIfExists(part);
                    if (!Files.isRegularFile(target)) { // another JVM may hold it open (Windows)
                        throw e;
                    }
                }
            }
            return any;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
