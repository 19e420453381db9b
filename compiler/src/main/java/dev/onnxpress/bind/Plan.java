package dev.onnxpress.bind;

import dev.onnxpress.dsl.SourceLocation;
import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassResult;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A recipe bound to passes, options records and data sets: everything the pipeline needs, checked.
 * Pipelines are expanded in place; {@code repeat} and {@code try} stay as structure (a {@code try}
 * holds one bound body per value of its variable).
 *
 * @param name           the recipe's name
 * @param source         the recipe file name (or {@code <command line>})
 * @param data           declared data sets, in source order
 * @param evaluationData the data set of {@code verify using DATA}; empty: seeded random probes
 * @param checks         the default checks of the verify block, applied after every step
 * @param items          what runs, in order
 * @param recipeText     canonical recipe text (as written, normalized by the printer)
 * @param targets        runtimes every step also runs in ({@code verify … on opencv}), besides ONNX Runtime
 */
public record Plan(String name, String source, List<DataDeclaration> data, Optional<String> evaluationData,
                   List<BoundCheck> checks, List<Item> items, String recipeText, List<String> targets) {
    public Plan {
        data = List.copyOf(data);
        Objects.requireNonNull(evaluationData);
        checks = List.copyOf(checks);
        items = List.copyOf(items);
        targets = List.copyOf(targets);
    }

    public Plan(String name, String source, List<DataDeclaration> data, Optional<String> evaluationData,
                List<BoundCheck> checks, List<Item> items, String recipeText) {
        this(name, source, data, evaluationData, checks, items, recipeText, List.of());
    }

    /**
     * The plan with more runtimes to verify on ({@code --verify-on}), each once, recipe's first; names as
     * {@link dev.onnxpress.exec.InferenceRuntime#named} knows them, "ort" (the reference) excluded.
     */
    public Plan withTargets(List<String> more) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(targets);
        all.addAll(more);
        return new Plan(name, source, data, evaluationData, checks, items, recipeText, List.copyOf(all));
    }

    public Optional<DataDeclaration> dataSet(String dataName) {
        return data.stream().filter(d -> d.name().equals(dataName)).findFirst();
    }

    /** Every step, depth first, each try attempt's body included. */
    public List<Step> allSteps() {
        List<Step> out = new java.util.ArrayList<>();
        collect(items, out);
        return out;
    }

    private static void collect(List<Item> items, List<Step> out) {
        for (Item i : items) {
            if (i instanceof Step s) {
                out.add(s);
            } else if (i instanceof Repeat r) {
                collect(r.body(), out);
            } else if (i instanceof Try t) {
                t.attempts().forEach(a -> collect(a.body(), out));
            }
        }
    }

    /** Something that runs. */
    public sealed interface Item permits Step, Repeat, Try {
        SourceLocation location();
    }

    /**
     * One pass with bound options.
     *
     * @param options        the options record, every component set
     * @param optionsText    canonical text of the arguments the recipe gave, in parameter order
     * @param allOptionsText every parameter, defaults included
     * @param tolerance      the step's own checks (they replace default checks on the same metric and reference)
     */
    public record Step(Pass<?> pass, Record options, String optionsText, String allOptionsText,
                       List<BoundCheck> tolerance, SourceLocation location) implements Item {
        public Step {
            Objects.requireNonNull(pass);
            Objects.requireNonNull(options);
            tolerance = List.copyOf(tolerance);
        }

        public String passId() {
            return pass.info().id();
        }

        /** {@code prune_channels(ratio=50%, layers=op("Conv"))}. */
        public String call() {
            return passId() + "(" + optionsText + ")";
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        public PassResult run(Model model, PassContext ctx) {
            return ((Pass) pass).run(model, options, ctx);
        }

        /** True when the model this step writes behaves differently at different batch sizes. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        public boolean batchDependent() {
            return ((Pass) pass).batchDependent(options);
        }
    }

    /** {@code repeat max N { … }}. */
    public record Repeat(int max, List<Item> body, SourceLocation location) implements Item {
        public Repeat {
            body = List.copyOf(body);
        }
    }

    /** {@code try VAR in [v1, …] { … }}: one bound body per value, tried in order. */
    public record Try(String variable, List<Attempt> attempts, SourceLocation location) implements Item {
        public Try {
            attempts = List.copyOf(attempts);
        }
    }

    /** @param label {@code r=50%} */
    public record Attempt(String label, List<Item> body) {
        public Attempt {
            body = List.copyOf(body);
        }
    }
}
