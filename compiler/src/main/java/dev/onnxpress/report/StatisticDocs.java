package dev.onnxpress.report;

import dev.onnxpress.passes.PassRegistry;
import java.util.Optional;

/** What a statistic of a registered pass counts, as the pass declares it (for report tooltips). */
final class StatisticDocs {
    private StatisticDocs() {
    }

    static Optional<String> of(String passId, String statistic) {
        return PassRegistry.find(passId).flatMap(p -> p.info().description(statistic));
    }
}
