package dev.onnxpress.pipeline;

import dev.onnxpress.analysis.ActivationMemory;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a model must satisfy before a run spends anything on it: it has outputs to compare, and the
 * activations of one verification batch fit the run's memory budget. The default budget is half the
 * machine's physical memory (ONNX Runtime allocates outside the Java heap).
 */
public final class RunChecks {
    private RunChecks() {
    }

    /** Half the physical memory, or 4 times the heap limit where the platform does not say. */
    public static long defaultMemoryBudget() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                long total = os.getTotalMemorySize();
                if (total > 0) {
                    return total / 2;
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // fall through
        }
        return 4 * Runtime.getRuntime().maxMemory();
    }

    static void check(Model model, Path input, long batch, long budget) {
        if (model.graph().outputs().isEmpty()) {
            throw new UserException(input + ": the model has no graph outputs, so there is nothing to run or verify");
        }
        long need = ActivationMemory.peakBytes(model, batch);
        if (need > budget) {
            throw new UserException(input + ": one run of " + batch + " sample" + (batch == 1 ? "" : "s")
                    + " needs about " + ActivationMemory.text(need) + " for activations (estimated from the declared"
                    + " shapes), more than the memory budget of " + ActivationMemory.text(budget)
                    + "; fix the input shapes, or raise --memory-budget if the machine has the memory");
        }
    }

    /** "4GB", "512 MB", "2g", "1.5G", "1000000" (bytes) → bytes. */
    public static long parseBytes(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT).replace(" ", "");
        long unit = 1;
        String[] suffixes = {"KB", "MB", "GB", "TB", "K", "M", "G", "T", "B"};
        long[] units = {1L << 10, 1L << 20, 1L << 30, 1L << 40, 1L << 10, 1L << 20, 1L << 30, 1L << 40, 1};
        for (int i = 0; i < suffixes.length; i++) {
            if (t.endsWith(suffixes[i])) {
                unit = units[i];
                t = t.substring(0, t.length() - suffixes[i].length());
                break;
            }
        }
        double v;
        try {
            v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new UserException("--memory-budget " + text + ": give a size such as 4GB or 512MB");
        }
        if (!(v > 0) || v * unit >= Long.MAX_VALUE) {
            throw new UserException("--memory-budget " + text + ": give a positive size such as 4GB");
        }
        return (long) (v * unit);
    }
}
