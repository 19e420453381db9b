package dev.onnxpress.bind;

import dev.onnxpress.dsl.EditDistance;
import java.util.Collection;
import java.util.Optional;

/** The closest known name to a misspelt one, when it is close enough to be a plausible typo. */
public final class DidYouMean {
    private DidYouMean() {
    }

    public static Optional<String> closest(String wrong, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = EditDistance.between(wrong.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        // a third of the name (at least 1, at most 3 edits): 'prune_chanels' → 'prune_channels', not 'strip_docs'
        int allowed = Math.max(1, Math.min(3, wrong.length() / 3));
        return best != null && bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** "; did you mean 'x'?" or "". */
    public static String suffix(String wrong, Collection<String> known) {
        return closest(wrong, known).map(s -> "; did you mean '" + s + "'?").orElse("");
    }
}
