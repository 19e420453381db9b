package dev.onnxpress.tune;

import java.util.List;

/**
 * One measured recipe of the search: its steps (each with why it is there), what it measured on the
 * selection split, its loss under the budget and its objective value.
 */
public record Candidate(String label, List<Step> steps, Measurement measurement, double loss, double objective) {
    public Candidate {
        steps = List.copyOf(steps);
    }

    /** One recipe step and the reason it was chosen, for the recipe's comments. */
    public record Step(String text, String why) {
        public static Step of(String text) {
            return new Step(text, "");
        }

        public Step because(String reason) {
            return new Step(text, reason);
        }
    }

    public List<String> texts() {
        return steps.stream().map(Step::text).toList();
    }
}
