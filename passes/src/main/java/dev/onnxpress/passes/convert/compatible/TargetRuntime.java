package dev.onnxpress.passes.convert.compatible;

import java.util.Locale;

/** The runtimes {@code make_compatible} has capability tables for. */
public enum TargetRuntime {
    opencv, ort, ort_mobile;

    /** The table and runtime name: "opencv", "ort", "ort_mobile". */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
