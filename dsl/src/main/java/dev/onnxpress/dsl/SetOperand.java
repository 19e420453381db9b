package dev.onnxpress.dsl;

/**
 * What a selector expression combines: a {@link Selector}, or a {@link Value.Word} that the
 * binder resolves (a loop variable, say) to a selector.
 */
public sealed interface SetOperand extends Value permits Value.Word, Selector {
}
