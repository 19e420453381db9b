package dev.onnxpress.ir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model larger than one protobuf message can hold (2 GB) is built at test time, written (weights
 * spill to external data), read back lazily and checked at sampled positions, then copied again.
 */
class LargeModelIT {
    private static final int TENSORS = 5;
    private static final int FLOATS_PER_TENSOR = 128 * 1024 * 1024; // 512 MiB each, 2.5 GiB in all

    @TempDir
    Path tmp;

    @Test
    void modelOverTwoGigabytesWritesAndReadsBack() throws Exception {
        Graph g = Graph.create("big");
        Model m = Model.create(g, 8, 13);
        Rewriter rw = new Rewriter(m);
        Value x = rw.addGraphInput(g, "x", ValueType.TensorType.of(DataType.FLOAT, 1));
        Value acc = x;
        for (int t = 0; t < TENSORS; t++) {
            byte[] raw = new byte[FLOATS_PER_TENSOR * 4];
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < FLOATS_PER_TENSOR; i += 4096) {
                b.putFloat(i * 4, pattern(t, i));
            }
            b.putFloat((FLOATS_PER_TENSOR - 1) * 4, pattern(t, FLOATS_PER_TENSOR - 1));
            Value w = rw.addInitializer(g, "w" + t, Tensor.ofRaw(DataType.FLOAT, new long[] {FLOATS_PER_TENSOR}, raw));
            // Slice the first element so the graph really reads every weight
            Value starts = rw.addInitializer(g, "s" + t, Tensor.ofLongs(new long[] {1}, 0));
            Value ends = rw.addInitializer(g, "e" + t, Tensor.ofLongs(new long[] {1}, 1));
            Value first = rw.add(g, "Slice", "slice" + t, List.of(w, starts, ends), Map.of());
            acc = rw.add(g, "Add", "add" + t, List.of(acc, first), Map.of());
        }
        rw.addGraphOutput(g, acc);
        long expected = (long) TENSORS * FLOATS_PER_TENSOR * 4;
        assertThat(ModelWriter.estimateInlineBytes(m)).isGreaterThan(Integer.MAX_VALUE);

        Path dir = Files.createDirectory(tmp.resolve("out"));
        Path out = dir.resolve("big.onnx");
        assertThatThrownBy(() -> ModelWriter.write(m, out, ModelWriter.Options.inline()))
                .isInstanceOf(UserException.class).hasMessageContaining("external data");
        assertThat(Files.list(dir).toList()).as("a refused write leaves no file behind").isEmpty();

        ModelWriter.Written w = ModelWriter.write(m, out);
        assertThat(w.dataFiles()).hasSize(1);
        assertThat(Files.size(out)).isLessThan(1 << 20);
        assertThat(w.totalBytes()).isGreaterThanOrEqualTo(expected);

        Model back = ModelReader.read(out);
        checkSamples(back);

        // external → external copy into another folder (streamed, never in one message)
        Path dir2 = Files.createDirectory(tmp.resolve("copy"));
        ModelWriter.write(back, dir2.resolve("copy.onnx"), ModelWriter.Options.external(1024, false));
        Model again = ModelReader.read(dir2.resolve("copy.onnx"));
        checkSamples(again);
        assertThat(Files.list(dir2).filter(p -> p.toString().endsWith(".tmp")).toList()).isEmpty();
    }

    private static void checkSamples(Model m) {
        Random r = new Random(1);
        int checked = 0;
        for (Map.Entry<Value, Tensor> e : m.graph().initializers().entrySet()) {
            String name = e.getKey().name();
            if (!name.startsWith("w")) {
                continue;
            }
            int t = Integer.parseInt(name.substring(1));
            Tensor tensor = e.getValue();
            assertThat(tensor.externalLocation()).isPresent();
            assertThat(tensor.elementCount()).isEqualTo(FLOATS_PER_TENSOR);
            ByteBuffer b = tensor.buffer();
            List<Integer> positions = new ArrayList<>(List.of(0, FLOATS_PER_TENSOR - 1));
            for (int k = 0; k < 50; k++) {
                positions.add(r.nextInt(FLOATS_PER_TENSOR / 4096) * 4096);
            }
            for (int i : positions) {
                assertThat(b.getFloat(i * 4)).as("%s[%d]", name, i).isEqualTo(pattern(t, i));
            }
            assertThat(b.getFloat(4 * 4)).isEqualTo(0f);
            checked++;
        }
        assertThat(checked).isEqualTo(TENSORS);
    }

    private static float pattern(int tensor, int index) {
        return tensor * 1000f + (index % 9973) + 0.5f;
    }
}
