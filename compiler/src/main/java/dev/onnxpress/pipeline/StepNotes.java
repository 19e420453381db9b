package dev.onnxpress.pipeline;

import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.pipeline.check.DeclaredTypeChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The invariants the pipeline restores after every pass, and the notes that tell the report about them:
 * value_info left stale by the pass is dropped ({@link DeclaredTypeChecker}), and an IR version the pass
 * raised (a new initializer in an IR 3 model, see {@link dev.onnxpress.ir.Rewriter}) is said.
 */
final class StepNotes {
    private static final int NAMED = 3;

    private StepNotes() {
    }

    /** Tidies {@code after} (the pass's output) and returns the pass's notes followed by the pipeline's. */
    static List<String> afterPass(Model before, Model after, PassResult result) {
        List<String> notes = new ArrayList<>(result.notes());
        if (!result.changed()) {
            return notes;
        }
        List<DeclaredTypeChecker.Stale> dropped = DeclaredTypeChecker.dropStale(after);
        if (!dropped.isEmpty()) {
            String named = dropped.stream().limit(NAMED).map(DeclaredTypeChecker.Stale::describe)
                    .collect(Collectors.joining("; "));
            notes.add("dropped " + dropped.size() + " value_info declaration" + (dropped.size() == 1 ? "" : "s")
                    + " the pass left contradicting the producing node (" + named
                    + (dropped.size() > NAMED ? "; …" : "") + ")");
        }
        if (after.irVersion() > before.irVersion()) {
            notes.add("IR version raised from " + before.irVersion() + " to " + after.irVersion()
                    + ": initializers the pass added are constants, not graph inputs");
        }
        return notes;
    }
}
