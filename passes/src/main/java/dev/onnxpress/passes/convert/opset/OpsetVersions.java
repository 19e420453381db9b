package dev.onnxpress.passes.convert.opset;

import java.util.Map;
import java.util.Optional;

/** Facts about default-domain opset versions: when ops appeared or went away, and IR versions. */
final class OpsetVersions {
    /** Oldest opset the converter writes (and below which it only converts up). */
    static final int OLDEST = 7;
    /** Oldest opset a model may come in: 1 to 6 are rewritten into their opset-7 forms first. */
    static final int OLDEST_SOURCE = 1;
    /**
     * Newest opset ONNX Runtime 1.29 loads without complaint: it refuses 27 as "under development"
     * (checked by {@code ConvertOpsetPassTest.newestOpsetIsTheNewestOrtLoads}).
     */
    static final int NEWEST = 26;

    /** Ops introduced after opset 7, with the opset that introduced them. */
    private static final Map<String, Integer> SINCE = Map.ofEntries(
            Map.entry("Expand", 8), Map.entry("Scan", 8),
            Map.entry("Acosh", 9), Map.entry("Asinh", 9), Map.entry("Atanh", 9), Map.entry("Cosh", 9),
            Map.entry("Sinh", 9), Map.entry("Compress", 9), Map.entry("ConstantOfShape", 9),
            Map.entry("EyeLike", 9), Map.entry("Erf", 9), Map.entry("IsNaN", 9), Map.entry("MaxUnpool", 9),
            Map.entry("MeanVarianceNormalization", 9), Map.entry("NonZero", 9), Map.entry("OneHot", 9),
            Map.entry("Shrink", 9), Map.entry("Sign", 9), Map.entry("TfIdfVectorizer", 9), Map.entry("Where", 9),
            Map.entry("ConvInteger", 10), Map.entry("DequantizeLinear", 10), Map.entry("IsInf", 10),
            Map.entry("MatMulInteger", 10), Map.entry("Mod", 10), Map.entry("NonMaxSuppression", 10),
            Map.entry("QLinearConv", 10), Map.entry("QLinearMatMul", 10), Map.entry("QuantizeLinear", 10),
            Map.entry("Resize", 10), Map.entry("ReverseSequence", 10), Map.entry("RoiAlign", 10),
            Map.entry("StringNormalizer", 10), Map.entry("ThresholdedRelu", 10),
            Map.entry("BitShift", 11), Map.entry("ConcatFromSequence", 11), Map.entry("CumSum", 11),
            Map.entry("Det", 11), Map.entry("DynamicQuantizeLinear", 11), Map.entry("GatherElements", 11),
            Map.entry("GatherND", 11), Map.entry("Range", 11), Map.entry("Round", 11),
            Map.entry("ScatterElements", 11), Map.entry("ScatterND", 11), Map.entry("SequenceAt", 11),
            Map.entry("SequenceConstruct", 11), Map.entry("SequenceEmpty", 11), Map.entry("SequenceErase", 11),
            Map.entry("SequenceInsert", 11), Map.entry("SequenceLength", 11), Map.entry("SplitToSequence", 11),
            Map.entry("Unique", 11),
            Map.entry("Celu", 12), Map.entry("Einsum", 12), Map.entry("GreaterOrEqual", 12),
            Map.entry("LessOrEqual", 12), Map.entry("NegativeLogLikelihoodLoss", 12),
            Map.entry("SoftmaxCrossEntropyLoss", 12),
            Map.entry("HardSwish", 14), Map.entry("Trilu", 14),
            Map.entry("Bernoulli", 15), Map.entry("CastLike", 15), Map.entry("Optional", 15),
            Map.entry("OptionalGetElement", 15), Map.entry("OptionalHasElement", 15),
            Map.entry("GridSample", 16),
            Map.entry("BlackmanWindow", 17), Map.entry("DFT", 17), Map.entry("HammingWindow", 17),
            Map.entry("HannWindow", 17), Map.entry("LayerNormalization", 17), Map.entry("MelWeightMatrix", 17),
            Map.entry("STFT", 17), Map.entry("SequenceMap", 17),
            Map.entry("BitwiseAnd", 18), Map.entry("BitwiseNot", 18), Map.entry("BitwiseOr", 18),
            Map.entry("BitwiseXor", 18), Map.entry("CenterCropPad", 18), Map.entry("Col2Im", 18),
            Map.entry("GroupNormalization", 18), Map.entry("Mish", 18),
            Map.entry("DeformConv", 19),
            Map.entry("AffineGrid", 20), Map.entry("Gelu", 20), Map.entry("ImageDecoder", 20),
            Map.entry("RegexFullMatch", 20), Map.entry("StringConcat", 20), Map.entry("StringSplit", 20),
            Map.entry("Attention", 23), Map.entry("RMSNormalization", 23), Map.entry("RotaryEmbedding", 23),
            Map.entry("Swish", 24), Map.entry("TensorScatter", 24),
            Map.entry("CumProd", 26));

    /** Ops removed from the default domain, with the opset that no longer has them and their successor. */
    record Removal(int removedAt, String successor) {
    }

    private static final Map<String, Removal> REMOVED = Map.of(
            "Upsample", new Removal(10, "Resize"),
            "Scatter", new Removal(11, "ScatterElements"));

    /**
     * Attributes added to an existing op, with the opset that added them and their default (as the ONNX
     * text writes it): going below that opset drops the attribute when it holds the default, else fails.
     */
    record AddedAttr(String op, String attr, int since, String dflt) {
    }

    static final java.util.List<AddedAttr> ADDED_ATTRS = java.util.List.of(
            new AddedAttr("MaxPool", "storage_order", 8, "0"), new AddedAttr("MaxPool", "ceil_mode", 10, "0"),
            new AddedAttr("MaxPool", "dilations", 10, "1s"), new AddedAttr("AveragePool", "ceil_mode", 10, "0"),
            new AddedAttr("AveragePool", "dilations", 19, "1s"),
            new AddedAttr("ArgMax", "select_last_index", 12, "0"), new AddedAttr("ArgMin", "select_last_index", 12, "0"),
            new AddedAttr("GatherND", "batch_dims", 12, "0"),
            new AddedAttr("ScatterND", "reduction", 16, "none"), new AddedAttr("ScatterElements", "reduction", 16, "none"),
            new AddedAttr("QuantizeLinear", "axis", 13, "1"), new AddedAttr("DequantizeLinear", "axis", 13, "1"),
            new AddedAttr("QuantizeLinear", "saturate", 19, "1"), new AddedAttr("QuantizeLinear", "block_size", 21, "0"),
            new AddedAttr("DequantizeLinear", "block_size", 21, "0"), new AddedAttr("QuantizeLinear", "output_dtype", 21, "0"),
            new AddedAttr("Cast", "saturate", 19, "1"), new AddedAttr("Cast", "round_mode", 25, "up"),
            new AddedAttr("Shape", "start", 15, "0"),
            new AddedAttr("Resize", "antialias", 18, "0"), new AddedAttr("Resize", "axes", 18, ""),
            new AddedAttr("Resize", "keep_aspect_ratio_policy", 18, "stretch"),
            new AddedAttr("Resize", "cubic_coeff_a", 11, "-0.75"), new AddedAttr("Resize", "exclude_outside", 11, "0"),
            new AddedAttr("Resize", "extrapolation_value", 11, "0"), new AddedAttr("CumSum", "exclusive", 11, "0"),
            new AddedAttr("LpPool", "dilations", 18, "1s"), new AddedAttr("LpPool", "ceil_mode", 18, "0"),
            new AddedAttr("ReduceSum", "noop_with_empty_axes", 13, "0"),
            new AddedAttr("ReduceMax", "noop_with_empty_axes", 18, "0"),
            new AddedAttr("ReduceMin", "noop_with_empty_axes", 18, "0"),
            new AddedAttr("ReduceMean", "noop_with_empty_axes", 18, "0"),
            new AddedAttr("ReduceProd", "noop_with_empty_axes", 18, "0"),
            new AddedAttr("ReduceL1", "noop_with_empty_axes", 18, "0"),
            new AddedAttr("ReduceL2", "noop_with_empty_axes", 18, "0"),
            new AddedAttr("ReduceLogSum", "noop_with_empty_axes", 18, "0"),
            new AddedAttr("ReduceLogSumExp", "noop_with_empty_axes", 18, "0"),
            new AddedAttr("ReduceSumSquare", "noop_with_empty_axes", 18, "0"),
            new AddedAttr("Reshape", "allowzero", 14, "0"),
            new AddedAttr("TopK", "largest", 11, "1"), new AddedAttr("TopK", "sorted", 11, "1"),
            new AddedAttr("BatchNormalization", "training_mode", 14, "0"),
            new AddedAttr("LSTM", "layout", 14, "0"), new AddedAttr("GRU", "layout", 14, "0"),
            new AddedAttr("RNN", "layout", 14, "0"),
            new AddedAttr("GroupNormalization", "stash_type", 21, "1"),
            new AddedAttr("DepthToSpace", "mode", 11, "DCR"),
            new AddedAttr("DequantizeLinear", "output_dtype", 25, "0"),
            new AddedAttr("QuantizeLinear", "precision", 25, "0"),
            new AddedAttr("CastLike", "saturate", 19, "1"), new AddedAttr("CastLike", "round_mode", 25, "up"),
            new AddedAttr("Constant", "sparse_value", 11, ""));

    /** Element types that did not exist before an opset (no op takes them earlier). */
    static Optional<Integer> typeSince(dev.onnxpress.ir.DataType t) {
        return switch (t) {
            case BFLOAT16 -> Optional.of(13);
            case FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> Optional.of(19);
            case UINT4, INT4 -> Optional.of(21);
            case FLOAT4E2M1 -> Optional.of(23);
            default -> Optional.empty();
        };
    }

    /**
     * Element types an op accepts on its first input only from a later opset (earlier versions took fewer types;
     * ONNX Runtime refuses the model otherwise).
     */
    record TypeSince(String op, java.util.Set<dev.onnxpress.ir.DataType> types, int since) {
    }

    private static final java.util.Set<dev.onnxpress.ir.DataType> INTS = java.util.EnumSet.of(
            dev.onnxpress.ir.DataType.INT8, dev.onnxpress.ir.DataType.UINT8, dev.onnxpress.ir.DataType.INT16,
            dev.onnxpress.ir.DataType.UINT16, dev.onnxpress.ir.DataType.INT32, dev.onnxpress.ir.DataType.UINT32,
            dev.onnxpress.ir.DataType.INT64, dev.onnxpress.ir.DataType.UINT64);
    private static final java.util.Set<dev.onnxpress.ir.DataType> SMALL_INTS = java.util.EnumSet.of(
            dev.onnxpress.ir.DataType.INT8, dev.onnxpress.ir.DataType.UINT8, dev.onnxpress.ir.DataType.INT16,
            dev.onnxpress.ir.DataType.UINT16);
    private static final java.util.Set<dev.onnxpress.ir.DataType> FLOATS = java.util.EnumSet.of(
            dev.onnxpress.ir.DataType.FLOAT, dev.onnxpress.ir.DataType.DOUBLE, dev.onnxpress.ir.DataType.FLOAT16);
    private static final java.util.Set<dev.onnxpress.ir.DataType> NOT_FLOAT = java.util.EnumSet.complementOf(
            java.util.EnumSet.of(dev.onnxpress.ir.DataType.FLOAT, dev.onnxpress.ir.DataType.DOUBLE,
                    dev.onnxpress.ir.DataType.FLOAT16, dev.onnxpress.ir.DataType.BFLOAT16));

    static final java.util.List<TypeSince> TYPES_SINCE = java.util.List.of(
            new TypeSince("Clip", INTS, 12), new TypeSince("Max", INTS, 12), new TypeSince("Min", INTS, 12),
            new TypeSince("MaxPool", java.util.EnumSet.of(dev.onnxpress.ir.DataType.INT8, dev.onnxpress.ir.DataType.UINT8), 12),
            new TypeSince("ReduceMax", java.util.EnumSet.of(dev.onnxpress.ir.DataType.INT8, dev.onnxpress.ir.DataType.UINT8), 12),
            new TypeSince("ReduceMin", java.util.EnumSet.of(dev.onnxpress.ir.DataType.INT8, dev.onnxpress.ir.DataType.UINT8), 12),
            new TypeSince("ReduceMax", java.util.EnumSet.of(dev.onnxpress.ir.DataType.BOOL), 20),
            new TypeSince("ReduceMin", java.util.EnumSet.of(dev.onnxpress.ir.DataType.BOOL), 20),
            new TypeSince("Relu", INTS, 14),
            new TypeSince("Add", SMALL_INTS, 14), new TypeSince("Sub", SMALL_INTS, 14),
            new TypeSince("Mul", SMALL_INTS, 14), new TypeSince("Div", SMALL_INTS, 14),
            new TypeSince("Greater", INTS, 9), new TypeSince("Less", INTS, 9),
            new TypeSince("Equal", FLOATS, 11), new TypeSince("Equal", java.util.EnumSet.of(dev.onnxpress.ir.DataType.STRING), 19),
            new TypeSince("Gemm", INTS, 9), new TypeSince("MatMul", INTS, 9), new TypeSince("PRelu", INTS, 9),
            new TypeSince("Flatten", NOT_FLOAT, 9), new TypeSince("Pad", NOT_FLOAT, 11), new TypeSince("Pow", INTS, 12),
            new TypeSince("TopK", INTS, 11),
            new TypeSince("QuantizeLinear", java.util.EnumSet.of(dev.onnxpress.ir.DataType.INT16, dev.onnxpress.ir.DataType.UINT16), 21),
            new TypeSince("DequantizeLinear", java.util.EnumSet.of(dev.onnxpress.ir.DataType.INT16, dev.onnxpress.ir.DataType.UINT16), 21), new TypeSince("Cast", java.util.EnumSet.of(dev.onnxpress.ir.DataType.STRING), 9));

    /**
     * Ops whose schema at and after an opset ONNX Runtime 1.29 has no kernel for ("Could not find an
     * implementation"), measured with one-node models at every opset from 7 to 26 (OpsetMatrixTest keeps the
     * converted models honest). The converter rewrites or refuses them there instead of writing a model the
     * runtime cannot load.
     */
    static final Map<String, Integer> ORT_NO_KERNEL_FROM = Map.of("Bernoulli", 22, "GlobalLpPool", 22,
            "MaxRoiPool", 22, "RandomNormalLike", 22, "RandomUniformLike", 22, "RoiAlign", 22, "Swish", 25);

    /** Ops of the experimental set of opsets 1–9, gone from opset 10 on. */
    static final java.util.Set<String> EXPERIMENTAL = java.util.Set.of("ATen", "Affine", "ConstantFill", "Crop",
            "DynamicSlice", "GRUUnit", "GivenTensorFill", "ImageScaler", "ParametricSoftplus", "Scale", "ScaledTanh");

    private OpsetVersions() {
    }

    static Optional<Integer> since(String op) {
        return Optional.ofNullable(SINCE.get(op));
    }

    static Optional<Removal> removal(String op) {
        return Optional.ofNullable(REMOVED.get(op));
    }

    /** The IR version released with an opset (what a runtime of that time expects at most). */
    static long irVersionFor(long opset) {
        if (opset <= 8) {
            return 3;
        }
        if (opset == 9) {
            return 4;
        }
        if (opset == 10) {
            return 5;
        }
        if (opset == 11) {
            return 6;
        }
        if (opset <= 14) {
            return 7;
        }
        if (opset <= 18) {
            return 8;
        }
        if (opset <= 20) {
            return 9;
        }
        if (opset <= 22) {
            return 10;
        }
        return 11;
    }
}
