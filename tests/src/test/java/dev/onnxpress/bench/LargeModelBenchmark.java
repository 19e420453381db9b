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
 * model version as a file with external data in a private temporary folder, and the weights a pass writes go to
 * a scratch file ({@code WeightSpill}) rather than the heap. Each command runs in its own JVM ({@link ScaleRun})
 * with an explicit heap limit; printed per recipe: wall time, peak RSS and peak heap of the run, against plain ONNX
 * Runtime loading the model and running the same samples (the baseline, once, same machine, same moment), the
 * output's size, the peak RSS against the target (4 × the model + 1.5 GB), and whether any scratch folder
 * ({@code onnxpress-*} in the temporary folder) outlived the run. Before each child it waits until the machine has
 * {@code large.freeGb} (8) GB available.
 *
 * <p>Not a test: {@code mvn -B -pl tests -am verify -Dtest=LargeModelBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dlarge.samples=4}, {@code -Dlarge.xmx=3g}, {@code -Dlarge.model=PATH} to reuse a generated encoder, {@code -Dlarge.recipes="convert_opset(target=18);;convert_fp16()"}:
 * steps of one recipe separated by {@code ;}, recipes by {@code ;;}; {@code -Dlarge.verify="cosine >= 0.999"}).
 */
class LargeModelBenchmark {
    @TempDir
    Path tmp;

    record Result(long wallMs, long rssKb, long heapKb, int rc, String tail) {
    }

    @Test
    void externalDataEncoder() throws Exception {
        int samples = Integer.getInteger("large.samples", 4);
        String xmx = System.getProperty("large.xmx", "3g");
        List<String> recipes = List.of(System.getProperty("large.recipes", "convert_opset(target=18)").split(";;"));
        String verify = System.getProperty("large.verify", "cosine >= 0.999");
        String given = System.getProperty("large.model", "");
        Path model;
        if (given.isEmpty()) {
            model = tmp.resolve("encoder.onnx");
            Result g = child(List.of("-Xmx6g"), "generate", "bert_external", model.toString(), "symbolic");
            System.out.printf("generated in %.1f s%n", g.wallMs / 1e3);
        } else {
            model = Path.of(given); // one generated earlier by this benchmark, reused (never written to)
        }
        long modelBytes = folderBytes(model.getParent());
        System.out.printf("model: %.2f GB (model + external data)%n", modelBytes / 1e9);
        Result base = child(List.of("-Xmx" + xmx), "ort", model.toString(), "x", "1x128x768",
                String.valueOf(samples), "1", "1");
        List<String> rows = new java.util.ArrayList<>();
        for (int i = 0; i < recipes.size(); i++) {
            String step = recipes.get(i).trim().replace(";", "\n");
            Path recipe = tmp.resolve("large" + i + ".recipe");
            Files.writeString(recipe, "recipe \"large\" version 1\ndata probe = random(count=" + samples
                    + ", seed=1)\nverify using probe { " + verify + " }\n" + step + "\n");
            Set before = scratch();
            Path outDir = Files.createDirectories(tmp.resolve("out" + i));
            System.out.println("== " + step.replace("\n", "; "));
            Result run = child(List.of("-Xmx" + xmx), "cli", "run", recipe.toString(), "-i", model.toString(), "-o",
                    outDir.resolve("out.onnx").toString(), "--latency", "off", "--batch", "1");
            Set after = scratch();
            after.names.removeAll(before.names);
            rows.add(String.format("%-60s %8.1f %8d %8d %7.2f %7.2f %8.2f%s%s",
                    "onnxpress run (" + step.replace("\n", "; ") + ")", run.wallMs / 1e3, run.rssKb >> 10,
                    run.heapKb >> 10, run.rssKb / (double) Math.max(1, base.rssKb),
                    (run.rssKb << 10) / (4.0 * modelBytes + 1.5e9), folderBytes(outDir) / 1e9,
                    run.rc == 0 ? "" : "  rc=" + run.rc + " " + run.tail,
                    after.names.isEmpty() ? "" : "  scratch left: " + after.names));
            deleteTree(outDir);
        }
        System.out.println();
        System.out.printf("model %.2f GB, %d samples, child heap -Xmx%s, load %s%n", modelBytes / 1e9, samples, xmx,
                Files.readString(Path.of("/proc/loadavg")).trim());
        System.out.printf("%-60s %8s %8s %8s %7s %7s %8s%n", "", "wall s", "RSS MB", "heap MB", "RSS/ORT", "/target",
                "out GB");
        System.out.printf("%-60s %8.1f %8d %8d%n", "plain ONNX Runtime, " + samples + " samples", base.wallMs / 1e3,
                base.rssKb >> 10, base.heapKb >> 10);
        rows.forEach(System.out::println);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Waits (up to 30 min) until the machine has {@code large.freeGb} GB available: other runs share it. */
    private static void awaitMemory() throws IOException, InterruptedException {
        long wantKb = Long.getLong("large.freeGb", 8) << 20;
        for (int i = 0; i < 180; i++) {
            long availKb = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemAvailable:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(Long.MAX_VALUE);
            if (availKb >= wantKb) {
                return;
            }
            System.out.printf("waiting: %.1f GB available%n", availKb / 1048576.0);
            Thread.sleep(10_000);
        }
        // never silently: the figures of a run that shared a full machine are not the model's own
        System.out.printf("WARNING: starting after 30 min with less than %d GB available; memory and time figures"
                + " of this run are measured beside other work%n", wantKb >> 20);
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

    private Result child(List<String> jvm, String... args) throws IOException, InterruptedException {
        awaitMemory();
        ScaleChild.Output out = ScaleChild.run(tmp, jvm, Duration.ofHours(2), args);
        if (out.timedOut()) {
            throw new IllegalStateException("child timed out: " + List.of(args));
        }
        List<String> shown = out.lines().stream().filter(l -> !l.startsWith("SCALE")).toList();
        shown.subList(Math.max(0, shown.size() - 30), shown.size()).forEach(l -> System.out.println("  | " + l));
        return out.scale().map(f -> new Result(f[1], f[2], f[3], (int) f[0], out.tail()))
                .orElseGet(() -> new Result(-1, -1, -1, out.exitCode(), out.lastLines()));
    }
}
