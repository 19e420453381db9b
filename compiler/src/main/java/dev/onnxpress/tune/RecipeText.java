package dev.onnxpress.tune;

import dev.onnxpress.tune.Candidate.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The recipe {@code tune} writes: a plain recipe that {@code onnxpress run} reproduces, with comments saying
 * what was measured and why each step and value was chosen. The budget is the last step's tolerance
 * (earlier steps may be repaired by later ones, e.g. sharing fitted to the input model repairs pruning),
 * checked on the held-out slice the search never saw.
 */
public final class RecipeText {
    static final int WIDTH = 110;

    private RecipeText() {
    }

    /**
     * @param title          the recipe's name
     * @param summary        comment lines at the top (what was tuned, the result)
     * @param data           data declarations, one per line
     * @param dataNote       comment lines above the declarations
     * @param steps          the steps, each with its reason
     * @param budgetCheck    the budget as a check, e.g. {@code accuracy max_drop 1%}
     * @param notes          families measured and avoided, by step text
     */
    public static String render(String title, List<String> summary, List<String> dataNote, List<String> data,
                                List<Step> steps, String budgetCheck, Map<String, String> notes) {
        StringBuilder sb = new StringBuilder();
        for (String line : summary) {
            comment(sb, "", line);
        }
        sb.append("recipe ").append(dev.onnxpress.dsl.RecipePrinter.quote(title)).append(" version 1\n\n");
        for (String line : dataNote) {
            comment(sb, "", line);
        }
        for (String d : data) {
            sb.append(d).append('\n');
        }
        sb.append("\n");
        comment(sb, "", "every step runs on the held-out slice; the budget is checked on the result of the last step");
        sb.append("verify using heldout { }\n");
        if (!notes.isEmpty()) {
            sb.append('\n');
            comment(sb, "", "measured and not used:");
            notes.forEach((k, v) -> comment(sb, "", "  " + k + ": " + v));
        }
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            sb.append('\n');
            if (!s.why().isEmpty()) {
                comment(sb, "", s.why());
            }
            sb.append(s.text()).append('\n');
            if (i == steps.size() - 1) {
                sb.append("  tolerance { ").append(budgetCheck).append(" }\n");
            }
        }
        return sb.toString();
    }

    /** Appends {@code text} as {@code # } comment lines no wider than {@link #WIDTH}. */
    static void comment(StringBuilder sb, String indent, String text) {
        for (String paragraph : text.split("\n", -1)) {
            List<String> lines = wrap(paragraph, WIDTH - indent.length() - 2);
            for (String l : lines) {
                sb.append(indent).append("# ").append(l).append('\n');
            }
        }
    }

    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        String lead = text.startsWith("  ") ? "    " : "";
        for (String word : text.trim().split(" +")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line = new StringBuilder(lead);
            }
            if (line.length() > 0 && !line.toString().equals(lead)) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0 || out.isEmpty()) {
            out.add((out.isEmpty() && text.startsWith("  ") ? "  " : "") + line);
        }
        return out;
    }
}
