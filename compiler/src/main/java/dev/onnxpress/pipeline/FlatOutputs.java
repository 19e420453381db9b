package dev.onnxpress.pipeline;

import dev.onnxpress.report.ReportFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reference outputs too flat for a comparison to tell anything: (near-)zero everywhere, or (near-)the same
 * value everywhere, on the verification data. A model fed inputs it was not trained for (random probes in
 * [0, 1) to a detector that expects normalised images) can answer ~1e-7 everywhere, and then every step
 * passes whatever it did. Such outputs give every verified step a warning naming the output.
 */
final class FlatOutputs {
    /** Largest magnitude below which an output counts as zero everywhere. */
    static final double NEAR_ZERO = 1e-4;
    /** Spread (max − min) below this factor of (1 + max|value|) counts as constant. */
    static final double NEAR_CONSTANT = 1e-5;

    private FlatOutputs() {
    }

    static List<String> warnings(Outputs reference, String data) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, FloatSeries> e : reference.series().entrySet()) {
            FloatSeries v = e.getValue();
            double min = v.minFinite;
            double max = v.maxFinite;
            double maxAbs = v.maxAbsFinite;
            long finite = v.finite;
            if (finite < 2) {
                continue; // a single value (a scalar output) is not "flat"; nothing finite is NonFinite's business
            }
            String what = null;
            if (maxAbs <= NEAR_ZERO) {
                what = "(near-)zero everywhere (max |value| " + ReportFormat.significant(maxAbs) + ")";
            } else if (max - min <= NEAR_CONSTANT * (1 + maxAbs)) {
                what = "(near-)constant (every value within " + ReportFormat.significant(max - min) + " of "
                        + ReportFormat.significant(min) + ")";
            }
            if (what != null) {
                out.add(String.format(Locale.ROOT, "the original's output '%s' is %s on the verification data (%s):"
                        + " comparisons against it check little; verify on real data (verify using <data set>)",
                        e.getKey(), what, data));
            }
        }
        return out;
    }
}
