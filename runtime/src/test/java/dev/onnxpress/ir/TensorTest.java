package dev.onnxpress.ir;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.proto.Onnx;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void numericTypesConvertBothWays() {
        double[] v = {-3, -1.5, 0, 2.25, 100};
        long[] dims = {5};
        for (DataType t : List.of(DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16)) {
            assertThat(Tensor.of(t, dims, v).toDoubleArray()).as(t.name()).containsExactly(v);
        }
        assertThat(Tensor.of(DataType.INT8, dims, v).toLongArray()).containsExactly(-3, -2, 0, 2, 100);
        assertThat(Tensor.of(DataType.UINT8, dims, v).toLongArray()).containsExactly(0, 0, 0, 2, 100);
        assertThat(Tensor.of(DataType.INT16, dims, v).toLongArray()).containsExactly(-3, -2, 0, 2, 100);
        assertThat(Tensor.of(DataType.UINT16, dims, v).toLongArray()).containsExactly(0, 0, 0, 2, 100);
        assertThat(Tensor.of(DataType.INT32, dims, v).toIntArray()).containsExactly(-3, -2, 0, 2, 100);
        assertThat(Tensor.of(DataType.INT64, dims, v).toLongArray()).containsExactly(-3, -2, 0, 2, 100);
        assertThat(Tensor.of(DataType.BOOL, dims, v).toLongArray()).containsExactly(1, 1, 0, 1, 1);
        assertThat(Tensor.of(DataType.INT8, new long[] {2}, new double[] {300, -300}).toLongArray())
                .containsExactly(127, -128);
    }

    @Test
    void float16RoundsToNearestEvenAndKeepsSpecials() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = Float16.toFloat(h);
            if (!Float.isNaN(f)) {
                assertThat(Float16.fromFloat(f)).as("bits %04x", bits).isEqualTo(h);
            }
        }
        assertThat(Float16.toFloat(Float16.fromFloat(65520f))).isInfinite();
        assertThat(Float16.toFloat(Float16.fromFloat(1e-8f))).isZero();
        assertThat(Float16.bfloat16ToFloat(Float16.floatToBfloat16(1.00390625f))).isEqualTo(1.0f);
    }

    @Test
    void typedProtoFieldsDecodeLikeRawData() {
        Onnx.TensorProto typed = Onnx.TensorProto.newBuilder().setName("h").setDataType(DataType.FLOAT16.code())
                .addDims(2).addInt32Data(Float16.fromFloat(1.5f) & 0xffff).addInt32Data(Float16.fromFloat(-2f) & 0xffff)
                .build();
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().addInitializer(typed)
                .addOutput(Onnx.ValueInfoProto.newBuilder().setName("h")).build();
        Model m = ModelReader.read(Onnx.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(13)).build().toByteArray(),
                Optional.empty(), "t");
        Tensor t = m.graph().initializers().values().iterator().next();
        assertThat(t.isOriginal()).isTrue();
        assertThat(t.toFloatArray()).containsExactly(1.5f, -2f);
        assertThat(t.rawBytes()).hasSize(4);
        assertThat(t.contentEquals(Tensor.of(DataType.FLOAT16, new long[] {2}, new double[] {1.5, -2}))).isTrue();
        assertThat(t.contentDigest()).isEqualTo(Tensor.of(DataType.FLOAT16, new long[] {2}, new double[] {1.5, -2})
                .contentDigest());
    }

    @Test
    void stringsArePreserved() {
        Tensor s = Tensor.ofStrings(new long[] {2}, List.of("x".getBytes(StandardCharsets.UTF_8), new byte[] {0, 1}));
        assertThat(s.strings()).hasSize(2);
        assertThat(s.strings().get(1)).containsExactly(0, 1);
        assertThat(s.byteSize()).isEqualTo(3);
    }
}
