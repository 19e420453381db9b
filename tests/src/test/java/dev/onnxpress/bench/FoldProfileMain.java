package dev.onnxpress.bench;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Runs FoldBenchmark's side of the work (read + the five folding passes + write) on one model in a
 * loop, for a profiler (e.g. JFR) to attach to; prints median read/passes/write times per block of rounds.
 * Not a test: {@code java -cp <test classpath> dev.onnxpress.bench.FoldProfileMain MODEL [SECONDS [ROUNDS_PER_LINE [ort]]]}; with {@code ort}
 * each round also times ONNX Runtime's BASIC optimization as the benchmark does.
 */
public final class FoldProfileMain {

    private FoldProfileMain() {
    }

    public static void main(String[] args) throws Exception {
        String name = args.length > 0 ? args[0] : "ultraface_rfb640";
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 30;
        Path src = SharedFiles.model(name);
        Path out = Files.createTempDirectory("fold-profile").resolve(name + ".onnx");
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int block = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        boolean ort = args.length > 3 && args[3].equals("ort");
        Path ortOut = out.resolveSibling(name + ".ort.onnx");
        while (System.nanoTime() < end) {
            double[][] t = new double[4][block];
            for (int r = 0; r < block; r++) {
                long t0 = System.nanoTime();
                Model m = ModelReader.read(src);
                long ta = System.nanoTime();
                FoldBenchmark.foldPasses(m);
                long tb = System.nanoTime();
                ModelWriter.write(m, out);
                long t1 = System.nanoTime();
                if (ort) {
                    FoldBenchmark.ort(src, ortOut);
                }
                t[3][r] = (System.nanoTime() - t1) / 1e6;
                t[0][r] = (ta - t0) / 1e6;
                t[1][r] = (tb - ta) / 1e6;
                t[2][r] = (t1 - tb) / 1e6;
            }
            System.out.printf("%s read %.2f passes %.2f write %.2f ms%s%n", name, median(t[0]), median(t[1]), median(t[2]),
                    ort ? String.format(", ORT BASIC %.2f ms", median(t[3])) : "");
        }
        Files.deleteIfExists(out);
        Files.deleteIfExists(ortOut);
        Files.deleteIfExists(out.getParent());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
