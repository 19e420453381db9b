package dev.onnxpress.passes.fold.matmuladd;

/** {@code fuse_matmul_add} has no options. */
public record FuseMatMulAddOptions() {
}
