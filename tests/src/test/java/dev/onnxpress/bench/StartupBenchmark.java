package dev.onnxpress.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cold start-up of one-shot CLI calls: {@code java -jar onnxpress.jar} (before) against the launcher
 * {@code compiler/target/onnxpress} (after: the build's class-data sharing archive, and C1 only for
 * commands that just read files). Each round starts a fresh JVM for each variant, interleaved, on
 * {@code inspect} of the bundled model and a small {@code run -p} on it; the table gives medians of wall
 * and CPU (user + system) time and their after/before ratios. Needs a packaged build
 * ({@code mvn -B package -DskipTests}) and /usr/bin/time.
 */
class StartupBenchmark {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final Path JAR = ROOT.resolve("compiler/target/onnxpress.jar");
    static final Path LAUNCHER = ROOT.resolve("compiler/target/onnxpress");
    static final String MODEL = ROOT.resolve("examples/lenet5_fashion/model.onnx").toString();
    static final int ROUNDS = 9;

    /** Wall and CPU seconds of one command. */
    static double[] time(List<String> command, Path dir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "@@ %e %U %S"));
        cmd.addAll(command);
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, Files.readString(err)).isZero();
        String line = Files.readAllLines(err).stream().filter(l -> l.startsWith("@@ ")).reduce((a, b) -> b)
                .orElseThrow();
        String[] f = line.substring(3).trim().split(" ");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]) + Double.parseDouble(f[2])};
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    @Test
    void coldStartBeforeAndAfter() throws Exception {
        assertThat(JAR).isRegularFile();
        assertThat(LAUNCHER).isRegularFile();
        Path dir = Files.createTempDirectory(Path.of("target"), "startup");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<List<String>> workloads = List.of(List.of("inspect", MODEL),
                List.of("run", "-p", "strip_training_nodes, remove_identity", "-i", MODEL, "--latency", "off"));
        StringBuilder table = new StringBuilder("| command | java -jar wall | launcher wall | wall ratio | "
                + "java -jar CPU | launcher CPU | CPU ratio |\n|---|---|---|---|---|---|---|\n");
        for (List<String> w : workloads) {
            List<String> before = new ArrayList<>(List.of(java, "-jar", JAR.toString()));
            before.addAll(w);
            List<String> after = new ArrayList<>(List.of(LAUNCHER.toString()));
            after.addAll(w);
            time(before, dir);   // page cache warm for both: "cold" means a fresh JVM, not a cold disk
            time(after, dir);
            double[] wb = new double[ROUNDS];
            double[] wa = new double[ROUNDS];
            double[] cb = new double[ROUNDS];
            double[] ca = new double[ROUNDS];
            for (int i = 0; i < ROUNDS; i++) {
                double[] b;
                double[] a;
                if (i % 2 == 0) {
                    b = time(before, dir);
                    a = time(after, dir);
                } else {
                    a = time(after, dir);
                    b = time(before, dir);
                }
                wb[i] = b[0];
                wa[i] = a[0];
                cb[i] = b[1];
                ca[i] = a[1];
            }
            table.append(String.format(Locale.ROOT, "| `%s` | %.2f s | %.2f s | %.2f | %.2f s | %.2f s | %.2f |%n",
                    w.get(0), median(wb), median(wa), median(wa) / median(wb), median(cb), median(ca),
                    median(ca) / median(cb)));
        }
        System.out.println("StartupBenchmark (medians of " + ROUNDS + " interleaved cold starts; ratio = after/before)");
        System.out.print(table);
    }
}
