package dev.onnxpress.exec;

import dev.onnxpress.error.UserException;

/**
 * Loads OpenCV's native library (bundled in {@code org.openpnp:opencv}) once, on first use only: runs
 * that never verify on OpenCV never touch it. When the jar is not on the class path (the CLI keeps it in
 * {@code lib/} beside {@code onnxpress.jar}) the error says so instead of a NoClassDefFoundError.
 */
public final class OpenCvNatives {
    private static volatile String version;

    private OpenCvNatives() {
    }

    /** The loaded OpenCV version, e.g. "4.9.0"; loads the natives on the first call. */
    public static synchronized String load() {
        if (version == null) {
            try {
                Class.forName("nu.pattern.OpenCV");
            } catch (ClassNotFoundException | LinkageError e) {
                throw new UserException("OpenCV is not available: put opencv-4.9.0-0.jar (org.openpnp:opencv) in the"
                        + " lib/ folder beside onnxpress.jar or on the class path");
            }
            try {
                nu.pattern.OpenCV.loadLocally();
                version = org.opencv.core.Core.VERSION;
            } catch (RuntimeException | LinkageError e) {
                throw new UserException("OpenCV's native library does not load on this platform: "
                        + RuntimeRejection.firstLine(e.getMessage()));
            }
        }
        return version;
    }

    /** True when the OpenCV classes are on the class path (without loading the natives). */
    public static boolean onClassPath() {
        try {
            Class.forName("nu.pattern.OpenCV", false, OpenCvNatives.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
