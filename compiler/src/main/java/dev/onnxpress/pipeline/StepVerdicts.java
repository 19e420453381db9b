package dev.onnxpress.pipeline;

import dev.onnxpress.bind.BoundCheck;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.dsl.Check;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What every step is held to besides the recipe's checks (README, "What every step is checked for"):
 *
 * <ul>
 *   <li>a step whose pass does not preserve semantics (lossy) and that has neither a tolerance nor a
 *       {@code verify} block to answer to gets the default fidelity check {@code cosine >= 0.99} against the
 *       original, shown as "(default)" in every report; a {@code verify} block or a step tolerance replaces it;</li>
 *   <li>warnings: a pass meant to shrink the model ({@link PassInfo.Trait#SHRINKS}) that grew the file or
 *       changed nothing, and whatever the pass itself said it failed to do ({@link PassResult#warnings()}).</li>
 * </ul>
 */
final class StepVerdicts {
    /** The default fidelity bound of a lossy step nobody gave a tolerance. */
    static final double DEFAULT_COSINE = 0.99;

    private StepVerdicts() {
    }

    /** The default check of a lossy step without tolerance or verify block, if this step needs it. */
    static Optional<BoundCheck> defaultCheck(Plan plan, Plan.Step step) {
        if (step.pass().info().has(PassInfo.Trait.PRESERVES_SEMANTICS) || !plan.checks().isEmpty()
                || !step.tolerance().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new BoundCheck("cosine", Check.Comparison.GE, DEFAULT_COSINE, Check.Ref.ORIGINAL,
                BoundCheck.Kind.FIXED, "cosine >= 0.99 (default: the step has no tolerance and the recipe no verify"
                        + " block)", step.location()));
    }

    /**
     * Why a measured step should not get a plain tick.
     *
     * @param inRepeat whether the step runs in a later round of a {@code repeat}, where changing nothing is
     *                 how the loop ends
     */
    static List<String> warnings(Plan.Step step, PassResult result, long bytesBefore, long bytesAfter,
                                 boolean inRepeat) {
        List<String> w = new ArrayList<>(result.warnings());
        if (step.pass().info().has(PassInfo.Trait.SHRINKS)) {
            if (result.changed() && bytesAfter > bytesBefore) {
                w.add(step.passId() + " is meant to shrink the model but grew it from " + bytesBefore + " to "
                        + bytesAfter + " bytes");
            } else if (!result.changed() && !inRepeat && result.warnings().isEmpty()) {
                w.add(step.passId() + " changed nothing"
                        + (result.skips().isEmpty() ? "" : " (" + result.skips().size() + " places skipped, see"
                        + " the reasons)"));
            }
        }
        return w;
    }
}
