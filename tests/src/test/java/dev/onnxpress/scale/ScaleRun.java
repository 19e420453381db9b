package dev.onnxpress.scale;

import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.passes.core.TapStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The child-JVM side of {@code ScaleBenchmark}: one command, then its wall time and the process's peak
 * RSS ({@code VmHWM} of /proc/self/status) on the last stdout line as {@code SCALE wall_ms=… peak_rss_kb=…
 * peak_heap_kb=…}.
 *
 * <ul>
 *   <li>{@code generate resnet50|bert|bert_external OUT [symbolic]}: writes a synthetic model;</li>
 *   <li>{@code cli ARGS…}: {@code onnxpress ARGS…} in this JVM (exit code checked), then the passes' tapped
 *       runs as {@code TAPS run_ms=… work_ms=… samples=…} (time in ONNX Runtime, time accumulating);</li>
 *   <li>{@code ort MODEL INPUT DIMS SAMPLES BATCH THREADS}: plain ONNX Runtime over seeded normal samples, the
 *       baseline, with {@code ORT open_ms=… run_ms=…} (session creation, and the runs alone).</li>
 * </ul>
 */
public final class ScaleRun {
    private ScaleRun() {
    }

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        int rc = 0;
        switch (args[0]) {
            case "generate" -> generate(args[1], Path.of(args[2]), args.length > 3 && args[3].equals("symbolic"));
            case "cli" -> {
                PrintWriter out = new PrintWriter(System.out, true);
                PrintWriter err = new PrintWriter(System.err, true);
                rc = Main.execute(out, err, Arrays.copyOfRange(args, 1, args.length));
                System.out.println("TAPS run_ms=" + TapStream.Clock.runNanos() / 1_000_000 + " work_ms="
                        + TapStream.Clock.workNanos() / 1_000_000 + " samples=" + TapStream.Clock.samples());
            }
            case "ort" -> OrtBaseline.run(Path.of(args[1]), args[2], parseDims(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]), Integer.parseInt(args[6]));
            default -> throw new IllegalArgumentException(args[0]);
        }
        long wall = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("SCALE rc=" + rc + " wall_ms=" + wall + " peak_rss_kb=" + status("VmHWM")
                + " peak_heap_kb=" + peakHeapKb());
        System.out.flush();
        System.exit(rc);
    }

    static long[] parseDims(String s) {
        return Arrays.stream(s.split("x")).mapToLong(Long::parseLong).toArray();
    }

    static void generate(String which, Path out, boolean symbolic) {
        switch (which) {
            case "resnet50" -> ModelWriter.write(ScaleModels.resnet50(50, symbolic), out);
            case "bert" -> ModelWriter.write(ScaleModels.bertBase(768, symbolic), out);
            // ~2.5 GB: BERT-base's layer shapes, 90 layers, weights in one external data file
            case "bert_external" -> ModelWriter.write(ScaleModels.encoder(768, symbolic, 90, 768, 12, 3072, 128), out,
                    ModelWriter.Options.external(1024, true));
            default -> throw new IllegalArgumentException(which);
        }
    }

    /** A field of /proc/self/status in kB (-1 where there is none). */
    public static long status(String field) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
            for (String l : lines) {
                if (l.startsWith(field + ":")) {
                    return Long.parseLong(l.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long peakHeapKb() {
        long sum = 0;
        for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum / 1024;
    }
}
