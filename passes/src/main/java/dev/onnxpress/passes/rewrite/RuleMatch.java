package dev.onnxpress.passes.rewrite;

/**
 * What {@link RewriteRule#match} found: a match to rewrite, a skip (the pattern is there but the rule
 * declines, with a reason the report shows), or nothing of interest.
 */
public sealed interface RuleMatch<M> {
    record Found<M>(M match) implements RuleMatch<M> {
    }

    record Skipped<M>(String reason) implements RuleMatch<M> {
    }

    record NoMatch<M>() implements RuleMatch<M> {
    }

    static <M> RuleMatch<M> of(M match) {
        return new Found<>(match);
    }

    static <M> RuleMatch<M> skip(String reason) {
        return new Skipped<>(reason);
    }

    static <M> RuleMatch<M> none() {
        return new NoMatch<>();
    }
}
