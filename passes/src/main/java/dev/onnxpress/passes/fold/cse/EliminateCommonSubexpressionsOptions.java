package dev.onnxpress.passes.fold.cse;

/** {@code eliminate_common_subexpressions} has no options. */
public record EliminateCommonSubexpressionsOptions() {
}
