package dev.onnxpress.pipeline;

import java.util.Locale;

/**
 * What to say when the Java heap runs out: the one-line message {@code Main} prints (exit 2) instead of an
 * OutOfMemoryError, with a heap limit to try, chosen from the current limit, the size of the model the run read
 * (its external data included) and the machine's memory: twice the limit, at least the model plus 1 GB; when that
 * cannot fit beside ONNX Runtime's copy of the model in the machine's memory, it says the machine is too small.
 */
public final class HeapAdvice {
    private static volatile long modelBytes;

    private HeapAdvice() {
    }

    /** Records the size of the model a run is about to work on (file and external data). */
    static void modelRead(long bytes) {
        modelBytes = bytes;
    }

    /** The message for an OutOfMemoryError in this process. */
    public static String outOfMemory() {
        return message(Runtime.getRuntime().maxMemory(), physicalBytes(), modelBytes);
    }

    static String message(long heapLimit, long physical, long model) {
        long gb = 1L << 30;
        long suggest = Math.max(2 * heapLimit, model + gb);
        long suggestGb = (suggest + gb - 1) / gb;
        String what = "onnxpress: out of memory: the Java heap limit of " + gb(heapLimit) + " was not enough"
                + (model > 0 ? " for this " + gb(model) + " model and recipe" : "");
        if (physical > 0 && suggestGb * gb + model + gb > physical) {
            return what + "; this machine's " + gb(physical) + " of memory is likely too small for it (ONNX Runtime"
                    + " holds the model outside the heap): free memory or use a larger machine";
        }
        return what + "; give Java more heap: JAVA_OPTS=-Xmx" + suggestGb + "g onnxpress … (or java -Xmx" + suggestGb
                + "g -jar onnxpress.jar …)" + (physical > 0 ? "; the machine has " + gb(physical) : "");
    }

    private static String gb(long bytes) {
        return bytes < (1L << 30) ? String.format(Locale.ROOT, "%.0f MB", bytes / (double) (1L << 20))
                : String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30));
    }

    private static long physicalBytes() {
        try {
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os) {
                return Math.max(0, os.getTotalMemorySize());
            }
        } catch (RuntimeException | LinkageError e) {
            // unknown
        }
        return 0;
    }
}
