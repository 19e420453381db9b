package dev.onnxpress.bind;

import dev.onnxpress.dsl.Check;
import dev.onnxpress.dsl.SourceLocation;
import java.util.Objects;

/**
 * One tolerance check, ready to evaluate after a step.
 *
 * @param metric  max_abs_error, max_rel_error, cosine, top1_agreement or accuracy
 * @param op      how the measured value must relate to the bound
 * @param bound   the bound as written; for {@link Kind#ACCURACY_DROP} the allowed drop (a fraction),
 *                for {@link Kind#ROUND_OFF} the factor of {@code (1 + max|reference|)}
 * @param ref     compared against the original model or the previous step's
 * @param kind    how the bound is turned into a number at run time
 * @param text    the check as the user reads it, e.g. {@code cosine vs previous >= 0.99999}
 */
public record BoundCheck(String metric, Check.Comparison op, double bound, Check.Ref ref, Kind kind, String text,
                         SourceLocation location) {
    public BoundCheck {
        Objects.requireNonNull(metric);
        Objects.requireNonNull(op);
        Objects.requireNonNull(ref);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(text);
        Objects.requireNonNull(location);
    }

    public enum Kind {
        /** {@code metric op bound}. */
        FIXED,
        /** {@code accuracy max_drop X}: accuracy {@code >=} reference accuracy − X. */
        ACCURACY_DROP,
        /** Float round-off allowance: {@code max_abs_error <= bound · (1 + max|reference output|)}. */
        ROUND_OFF,
        /**
         * {@code cosine >= bound}, also met when every difference is below float32 round-off of the outputs'
         * scale ({@code max_abs_error <= 1e-6 · (1 + max|reference output|)}): outputs near zero everywhere
         * (a saturated Sigmoid map) make the cosine of two equal-up-to-round-off results arbitrary.
         */
        ROUND_OFF_COSINE
    }

    /** Which checks replace which: a step's check replaces a default one on the same metric and reference. */
    public String key() {
        return metric + "/" + ref;
    }

    public String referenceName() {
        return ref == Check.Ref.PREVIOUS ? "previous" : "original";
    }
}
