package dev.onnxpress.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.ExternalReads;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The large-model path on a ~38 MB external-data encoder generated here: with the scratch file for new weights
 * ({@code onnxpress.weightSpillBytes}) and path mode ({@code onnxpress.pathModeBytes}) forced on, a run that prunes
 * one layer and then shares its weights reads from the input's data file only that layer's weight (counted by
 * {@link ExternalReads}, the instrumented reads of file-backed tensors), reads the pruned weight back from the
 * scratch file, and writes exactly the bytes of the in-memory run, which reads every weight.
 */
class WeightSpillIT {
    private static final String SPILL = "onnxpress.weightSpillBytes";
    private static final String PATH_MODE = "onnxpress.pathModeBytes";

    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        System.clearProperty(SPILL);
        System.clearProperty(PATH_MODE);
        System.clearProperty(dev.onnxpress.ort.OrtRunner.MODEL_FILES_PROPERTY);
    }

    @Test
    void unchangedWeightsAreNeverReadAndTheOutputIsTheInMemoryOne() throws Exception {
        Model m = ScaleModels.encoder(5, true, 12, 256, 4, 1024, 16);
        Rewriter rw = new Rewriter(m);
        for (Node n : m.graph().nodes()) {
            if (n.opType().equals("MatMul") && n.input(1).name().equals("l3_ffn1_w")) {
                rw.setName(n, "target");
            }
        }
        Path in = Files.createDirectories(dir.resolve("in")).resolve("enc.onnx");
        ModelWriter.Written w = ModelWriter.write(m, in, ModelWriter.Options.external(1024, true));
        assertThat(w.dataFiles()).hasSize(1);
        Path data = w.dataFiles().get(0);
        assertThat(Files.size(data)).isGreaterThan(30L << 20);
        Model read = ModelReader.read(in);
        Map<Long, String> byOffset = new HashMap<>();
        long large = 0;
        for (Map.Entry<dev.onnxpress.ir.Value, Tensor> e : read.graph().initializers().entrySet()) {
            if (e.getValue().byteSize() >= 64 << 10) {
                byOffset.put(e.getValue().externalLocation().orElseThrow().offset(), e.getKey().name());
                large += e.getValue().byteSize();
            }
        }
        long targetBytes = 256L * 1024 * 4;
        String steps = "prune_magnitude(sparsity=50%, layers=name(\"target\"))\n"
                + "share_weights(bits=4, layers=name(\"target\"))\n";

        System.setProperty(SPILL, Long.toString(Long.MAX_VALUE));
        System.setProperty(PATH_MODE, Long.toString(Long.MAX_VALUE));
        Path memOut = run(steps, "mem");
        Map<Long, Long> memReads = ExternalReads.offsets(data);
        // the hook counts: the in-memory run serializes every version with all its weights
        assertThat(memReads.values().stream().mapToLong(Long::longValue).sum()).isGreaterThanOrEqualTo(large);

        System.setProperty(SPILL, "1");
        System.setProperty(PATH_MODE, "1");
        Map<Path, Long> filesBefore = ExternalReads.files();
        Path spillOut = run(steps, "spill");
        Map<Long, Long> reads = ExternalReads.offsets(data);
        Map<String, Long> largeRead = new HashMap<>();
        reads.forEach((offset, bytes) -> {
            long before = memReads.getOrDefault(offset, 0L);
            if (bytes > before && byOffset.containsKey(offset)) {
                largeRead.put(byOffset.get(offset), bytes - before);
            }
        });
        assertThat(largeRead).containsOnlyKeys("l3_ffn1_w");
        // the scratch file: share_weights read the pruned weight from it (its folder is gone by now)
        long scratch = 0;
        for (Map.Entry<Path, Long> f : ExternalReads.files().entrySet()) {
            if (f.getKey().toString().contains("onnxpress-weights-")) {
                scratch += f.getValue() - filesBefore.getOrDefault(f.getKey(), 0L);
                assertThat(f.getKey()).doesNotExist();
            }
        }
        assertThat(scratch).isGreaterThanOrEqualTo(targetBytes);

        assertThat(files(spillOut.getParent())).isEqualTo(files(memOut.getParent()));
        assertThat(Files.readAllBytes(spillOut)).isEqualTo(Files.readAllBytes(memOut));
        for (String name : files(memOut.getParent())) {
            assertThat(Files.readAllBytes(spillOut.resolveSibling(name)))
                    .as(name).isEqualTo(Files.readAllBytes(memOut.resolveSibling(name)));
        }
    }

    /**
     * The passes that run the model in ONNX Runtime (calibration taps of quantize_int8 and convert_fp16, the Gram
     * runs of compensation) open a large model from files with external data, never from one serialized array: forced
     * here from 1 byte, the outputs are the bytes of the in-memory runs.
     */
    @Test
    void passesThatRunTheModelOpenItFromFilesWithTheSameOutput() throws Exception {
        Model m = ScaleModels.encoder(6, true, 4, 256, 4, 1024, 16);
        Rewriter rw = new Rewriter(m);
        for (Node n : m.graph().nodes()) {
            if (n.opType().equals("MatMul") && n.input(1).name().equals("l1_q_w")) {
                rw.setName(n, "target");
            }
        }
        Files.createDirectories(dir.resolve("in"));
        ModelWriter.write(m, dir.resolve("in/enc.onnx"), ModelWriter.Options.external(1024, true));
        List<String> recipes = List.of(
                "prune_magnitude(sparsity=50%, layers=name(\"target\"), compensate=true, calibration=probe)\n"
                        + "quantize_int8(method=minmax, calibration=probe)\n",
                "convert_fp16()\n");
        for (int i = 0; i < recipes.size(); i++) {
            System.setProperty(SPILL, Long.toString(Long.MAX_VALUE));
            System.setProperty(PATH_MODE, Long.toString(Long.MAX_VALUE));
            Path mem = run(recipes.get(i), "mem" + i);
            System.setProperty(SPILL, "1");
            System.setProperty(PATH_MODE, "1");
            System.setProperty(dev.onnxpress.ort.OrtRunner.MODEL_FILES_PROPERTY, "1");
            long sessions = dev.onnxpress.ort.OrtRunner.FILE_SESSIONS.get();
            Path files;
            try {
                files = run(recipes.get(i), "files" + i);
            } finally {
                System.clearProperty(dev.onnxpress.ort.OrtRunner.MODEL_FILES_PROPERTY);
            }
            assertThat(dev.onnxpress.ort.OrtRunner.FILE_SESSIONS.get() - sessions).as(recipes.get(i)).isPositive();
            assertThat(files(files.getParent())).isEqualTo(files(mem.getParent()));
            for (String name : files(mem.getParent())) {
                assertThat(Files.readAllBytes(files.resolveSibling(name)))
                        .as(recipes.get(i) + name).isEqualTo(Files.readAllBytes(mem.resolveSibling(name)));
            }
        }
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("onnxpress-session-")
                    || n.startsWith("onnxpress-weights-")).filter(n -> !leftBefore.contains(n)).toList()).isEmpty();
        }
    }

    private java.util.Set<String> leftBefore = java.util.Set.of();

    @org.junit.jupiter.api.BeforeEach
    void scratchBefore() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            leftBefore = s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }

    private Path run(String steps, String name) throws Exception {
        Path recipe = dir.resolve(name + ".recipe");
        Files.writeString(recipe, "recipe \"spill\" version 1\ndata probe = random(count=3, seed=1)\n"
                + "verify using probe { cosine >= 0.5 }\n" + steps);
        Path out = Files.createDirectories(dir.resolve(name)).resolve("out.onnx");
        Main.Execution e = Main.execute("run", recipe.toString(), "-i", dir.resolve("in/enc.onnx").toString(),
                "-o", out.toString(), "--latency", "off");
        assertThat(e.exitCode()).as(e.err()).isZero();
        return out;
    }

    private static List<String> files(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
