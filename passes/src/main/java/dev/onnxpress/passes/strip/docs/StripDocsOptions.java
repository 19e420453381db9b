package dev.onnxpress.passes.strip.docs;

import dev.onnxpress.passes.Param;
import java.util.List;

/** Options of {@code strip_docs}. */
public record StripDocsOptions(
        @Param(doc = "Model metadata keys to keep (exact names); every other metadata entry is removed.",
                dflt = "[]")
        List<String> keep,
        @Param(doc = "Keep the producer name and version (tools use them to work around exporter bugs).",
                dflt = "true")
        boolean keep_producer,
        @Param(doc = "keep: value and node names unchanged; compact: node names cleared and internal value names "
                + "(not graph inputs/outputs) replaced by short generated ones, which saves bytes in small models.",
                dflt = "keep")
        Names names) {
    public enum Names { keep, compact }

    public StripDocsOptions {
        keep = List.copyOf(keep);
    }
}
