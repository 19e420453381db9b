package dev.onnxpress.pipeline;

import dev.onnxpress.report.PipelineReport.CheckResult;
import dev.onnxpress.report.PipelineReport.RuntimeResult;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Verdicts in deployment runtimes. A model the runtime cannot load or run is a breach of the step that
 * made it so (the model before the step ran there); when the input already failed there, steps carry
 * the error without blame, and the run ends in a breach unless some step (make_compatible) fixed it.
 */
final class TargetChecks {
    private TargetChecks() {
    }

    /** The input model in each runtime, with the verify block's checks against the original measured there. */
    static Map<String, RuntimeResult> baseline(Map<String, TargetRuns.Measured> measured,
                                               Map<String, List<CheckResult>> checks) {
        Map<String, RuntimeResult> out = new LinkedHashMap<>();
        measured.forEach((k, m) -> out.put(k, new RuntimeResult(k, m.description(), m.metrics(), m.error(), true,
                checks.getOrDefault(k, List.of()))));
        return out;
    }

    static RuntimeResult result(TargetRuns.Measured now, TargetRuns.Measured before, List<CheckResult> checks) {
        boolean inherited = !now.ran() && !before.ran();
        return new RuntimeResult(now.runtime(), now.description(), now.metrics(), now.error(), inherited, checks);
    }

    /** The first reason a step failed in a deployment runtime. */
    static String breach(Collection<RuntimeResult> results) {
        for (RuntimeResult r : results) {
            if (r.error().isPresent() && !r.inherited()) {
                return r.error().get() + " (the model before this step ran in " + r.runtime() + ")";
            }
            for (CheckResult c : r.checks()) {
                if (!c.passed()) {
                    return "in " + r.runtime() + ": " + CheckTexts.breach(c);
                }
            }
        }
        throw new IllegalStateException("no failed runtime check");
    }

    /** A breach when the final model does not run in a runtime the recipe verifies on. */
    static void requireRunnable(Map<String, TargetRuns.Measured> end) throws PassManager.Breach {
        for (TargetRuns.Measured m : end.values()) {
            if (!m.ran()) {
                throw new PassManager.Breach("the output does not run in " + m.runtime() + ", nor did the input: "
                        + m.error().get() + "; make_compatible(runtime=" + m.runtime() + ") rewrites what it can");
            }
        }
    }
}
