package dev.onnxpress.bench;

import dev.onnxpress.scale.ScaleChild;
import dev.onnxpress.scale.ScaleRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code onnxpress run} end to end on the ~2.5 GB external-data encoder ({@code ScaleRun generate bert_external}:
 * BERT-base layer shapes, 90 layers), too large for one protobuf message: the pipeline hands ONNX Runtime each
 * model version as a file with external data in a private temporary folder. Each command runs in its own JVM
 * ({@link ScaleRun}); printed: wall time and peak RSS of the run, of plain ONNX Runtime loading the model and
 * running the same samples (the baseline, same machine, same moment), the output's size, and whether any
 * scratch folder ({@code onnxpress-*} in the temporary folder) outlived the run.
 *
 * <p>Not a test: {@code mvn -B -pl tests -am verify -Dtest=LargeModelBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dlarge.samples=4}, {@code -Dlarge.recipe="convert_opset(target=18)"}). The default step rewrites nodes
 * and leaves the 2.5 GB of weights untouched, so the run measures the pipeline (reading, writing each version,
 * sessions, verification) rather than a pass's own cost; {@code prune_magnitude(sparsity=10%)} ran out of the
 * default heap (6 GB on a 24 GB machine) inside the pass.
 */
class LargeModelBenchmark {
    @TempDir
    Path tmp;

    record Result(long wallMs, long rssKb, long heapKb, int rc, String tail) {
    }

    @Test
    void externalDataEncoder() throws Exception {
        int samples = Integer.getInteger("large.samples", 4);
        String step = System.getProperty("large.recipe", "convert_opset(target=18)");
        Path model = tmp.resolve("encoder.onnx");
        Result g = child("generate", "bert_external", model.toString(), "symbolic");
        long modelBytes = folderBytes(tmp);
        System.out.printf("generated: %.2f GB (model + external data) in %.1f s%n", modelBytes / 1e9, g.wallMs / 1e3);
        Path recipe = tmp.resolve("large.recipe");
        Files.writeString(recipe, "recipe \"large\" version 1\ndata probe = random(count=" + samples + ", seed=1)\n"
                + "verify using probe { cosine >= 0.999 }\n" + step + "\n");
        Set before = scratch();
        Result base = child("ort", model.toString(), "x", "1x128x768", String.valueOf(samples), "1", "1");
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        Result run = child("cli", "run", recipe.toString(), "-i", model.toString(), "-o",
                outDir.resolve("out.onnx").toString(), "--latency", "off", "--batch", "1");
        Set after = scratch();
        after.names.removeAll(before.names);
        System.out.println();
        System.out.printf("%-34s %9s %9s %9s%n", "", "wall s", "RSS MB", "heap MB");
        System.out.printf("%-34s %9.1f %9d %9d%n", "plain ONNX Runtime, " + samples + " samples", base.wallMs / 1e3,
                base.rssKb >> 10, base.heapKb >> 10);
        System.out.printf("%-34s %9.1f %9d %9d%s%n", "onnxpress run (" + step + ")", run.wallMs / 1e3,
                run.rssKb >> 10, run.heapKb >> 10, run.rc == 0 ? "" : "  rc=" + run.rc + " " + run.tail);
        System.out.printf("model %.2f GB; output %.2f GB; RSS / model size %.2f; scratch folders left: %s%n",
                modelBytes / 1e9, folderBytes(outDir) / 1e9, (run.rssKb << 10) / (double) modelBytes, after.names);
    }

    private static long folderBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    private record Set(java.util.Set<String> names) {
    }

    private static Set scratch() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return new Set(new java.util.HashSet<>(s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("onnxpress-")).toList()));
        }
    }

    private Result child(String... args) throws IOException, InterruptedException {
        ScaleChild.Output out = ScaleChild.run(tmp, List.of(), Duration.ofHours(2), args);
        if (out.timedOut()) {
            throw new IllegalStateException("child timed out: " + List.of(args));
        }
        out.lines().stream().filter(l -> !l.startsWith("SCALE")).limit(40).forEach(l -> System.out.println("  | " + l));
        return out.scale().map(f -> new Result(f[1], f[2], f[3], (int) f[0], out.tail()))
                .orElseGet(() -> new Result(-1, -1, -1, out.exitCode(), out.lastLines()));
    }
}
