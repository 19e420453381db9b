package dev.onnxpress.bind;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The bound plan as text ({@code onnxpress check}): data sets, default checks, then every step with all
 * its options (defaults filled in), pipelines expanded and each {@code try} value's body spelled out.
 */
public final class PlanPrinter {
    private PlanPrinter() {
    }

    public static String print(Plan plan) {
        StringBuilder out = new StringBuilder();
        out.append("# plan of ").append(plan.source()).append(": \"").append(plan.name()).append("\", ")
                .append(plan.allSteps().size()).append(" step").append(plan.allSteps().size() == 1 ? "" : "s")
                .append('\n');
        for (DataDeclaration d : plan.data()) {
            out.append(d.text()).append('\n');
        }
        out.append("verify ").append(plan.evaluationData().map(u -> "using " + u + " ").orElse(""))
                .append(checks(plan.checks()))
                .append(plan.evaluationData().isEmpty() ? "  # on seeded random probe inputs" : "").append('\n');
        items(out, plan.items(), "");
        return out.toString();
    }

    private static String checks(List<BoundCheck> checks) {
        if (checks.isEmpty()) {
            return "{ }";
        }
        return checks.stream().map(BoundCheck::text).collect(Collectors.joining("; ", "{ ", " }"));
    }

    private static void items(StringBuilder out, List<Plan.Item> items, String indent) {
        for (Plan.Item item : items) {
            if (item instanceof Plan.Step s) {
                out.append(indent).append(s.passId()).append('(').append(s.allOptionsText()).append(')')
                        .append("  # ").append(s.location()).append('\n');
                if (!s.tolerance().isEmpty()) {
                    out.append(indent).append("  tolerance ").append(checks(s.tolerance())).append('\n');
                }
            } else if (item instanceof Plan.Repeat r) {
                out.append(indent).append("repeat max ").append(r.max()).append(" {\n");
                items(out, r.body(), indent + "  ");
                out.append(indent).append("}\n");
            } else {
                Plan.Try t = (Plan.Try) item;
                out.append(indent).append("try ").append(t.variable()).append(" in [")
                        .append(t.attempts().stream().map(a -> a.label().substring(t.variable().length() + 1))
                                .collect(Collectors.joining(", ")))
                        .append("] {\n");
                for (Plan.Attempt a : t.attempts()) {
                    out.append(indent).append("  # ").append(a.label()).append('\n');
                    items(out, a.body(), indent + "  ");
                }
                out.append(indent).append("}\n");
            }
        }
    }
}
