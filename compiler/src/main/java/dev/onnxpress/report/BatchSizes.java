package dev.onnxpress.report;

import dev.onnxpress.report.PipelineReport.StepReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The sentence every report carries about the batch sizes its figures were measured at: accuracy and
 * fidelity at the evaluation batch size, latency at its own, and steps whose model behaves differently by
 * batch size (a batch-wide gate) at the batch size it is deployed at.
 */
public final class BatchSizes {
    private BatchSizes() {
    }

    /** Empty when no step recorded its batch sizes. */
    public static Optional<String> sentence(PipelineReport report) {
        TreeSet<Integer> batch = new TreeSet<>();
        TreeSet<Integer> latency = new TreeSet<>();
        TreeSet<Integer> deployed = new TreeSet<>();
        TreeSet<String> passes = new TreeSet<>();
        List<String> dependent = new ArrayList<>();
        List<StepReport> steps = report.steps();
        for (int i = 0; i < steps.size(); i++) {
            PipelineReport.Measured m = steps.get(i).measured();
            if (!m.recorded()) {
                continue;
            }
            if (m.batchDependent()) {
                dependent.add(Integer.toString(i + 1));
                deployed.add(m.batchSize());
                passes.add(steps.get(i).pass());
            } else {
                batch.add(m.batchSize());
                if (m.latencyBatchSize() > 0) {
                    latency.add(m.latencyBatchSize()); // 0: latency not measured (--latency off)
                }
            }
        }
        if (batch.isEmpty() && dependent.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder s = new StringBuilder("batch sizes:");
        if (!batch.isEmpty()) {
            s.append(" accuracy and fidelity at batch ").append(join(batch))
                    .append(latency.isEmpty() ? ", latency not measured" : ", latency at batch " + join(latency))
                    .append(dependent.isEmpty() ? "" : ";");
        }
        if (!dependent.isEmpty()) {
            s.append(" step").append(dependent.size() == 1 ? " " : "s ").append(String.join(", ", dependent))
                    .append(" (results depend on the batch size: ").append(String.join(", ", passes))
                    .append(") measured at batch ").append(join(deployed))
                    .append(" for accuracy, fidelity and latency, as deployed");
        }
        return Optional.of(s.toString());
    }

    private static String join(TreeSet<Integer> sizes) {
        return String.join("/", sizes.stream().map(String::valueOf).toList());
    }
}
