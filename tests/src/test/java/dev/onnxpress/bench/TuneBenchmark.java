package dev.onnxpress.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.cli.Main;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * {@code onnxpress tune} on the shared models, one run per target, each from the full 10,000-image test set
 * (split by tune into calibration / selection / held-out; the figures below are the held-out ones, as
 * {@code onnxpress run} measures the written recipe). Prints a Markdown table: the ratio reached, the
 * held-out loss, the wall time against the --time limit, and the target. The time limit per run is
 * {@code -Dtune.time=12m} by default; the load average before and after each run is printed beside its wall
 * time. Run by name: {@code mvn -pl tests test -Dtest=TuneBenchmark}.
 */
class TuneBenchmark {
    record Target(String model, String data, String objective, String budget, double target) {
    }

    static final List<Target> TARGETS = List.of(
            new Target("lenet300_fashion", "fashion-mnist", "size", "1pt", 43),
            new Target("lenet5_fashion", "fashion-mnist", "size", "1pt", 40),
            new Target("vgg_bn_fashion", "fashion-mnist", "macs", "1pt", 2.0),
            new Target("vgg_bn_fashion", "fashion-mnist", "latency", "1pt", 1.8),
            new Target("mnist_cnn", "mnist", "size", "0.5pt", 20));

    @Test
    void targets() throws Exception {
        String time = System.getProperty("tune.time", "12m");
        String only = System.getProperty("tune.only", "");
        Path dir = Files.createTempDirectory("tune-bench");
        StringBuilder md = new StringBuilder("| model | objective | budget | ratio (held-out) | loss (held-out) |"
                + " within | wall s (limit) | load before/after | target | met |\n|---|---|---|---:|---:|---|---:|---|---:|---|\n");
        for (Target t : TARGETS) {
            if (!only.isEmpty() && !(t.model() + ":" + t.objective()).contains(only)) {
                continue;
            }
            String name = t.model() + "-" + t.objective();
            Path json = dir.resolve(name + ".json");
            Path data = SharedFiles.data(t.data());
            String loadBefore = load();
            long t0 = System.nanoTime();
            Main.Execution e = Main.execute("tune", SharedFiles.model(t.model()).toString(),
                    "--data", data.resolve("t10k-images-idx3-ubyte.gz").toString(),
                    "--labels", data.resolve("t10k-labels-idx1-ubyte.gz").toString(), "--scale", "1/255",
                    "--budget", t.budget(), "--objective", t.objective(), "--time", time,
                    "-o", dir.resolve(name + ".recipe").toString(), "--model-out", dir.resolve(name + ".onnx").toString(),
                    "--report-json", json.toString(), "--report-html", dir.resolve(name + ".html").toString());
            double wall = (System.nanoTime() - t0) / 1e9;
            String loads = loadBefore + " / " + load();
            System.out.println(e.out() + e.err());
            if (!Files.exists(json)) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | – | – | exit %d | %.0f (%s) | %s | %.1f× | no |%n",
                        t.model(), t.objective(), t.budget(), e.exitCode(), wall, time, loads, t.target()));
                continue;
            }
            JsonNode held = new ObjectMapper().readTree(json.toFile()).get("held_out");
            double ratio = held.get("ratio").asDouble(Double.NaN);
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f× | %.3f | %s | %.0f (%s) | %s | %.1f× | %s |%n",
                    t.model(), t.objective(), t.budget(), ratio, held.get("loss").asDouble(Double.NaN),
                    held.get("within_budget").asBoolean() ? "yes" : "no", wall, time, loads, t.target(),
                    held.get("within_budget").asBoolean() && ratio >= t.target() ? "yes" : "no"));
        }
        System.out.println("recipes, models and reports in " + dir);
        System.out.println(md);
    }

    /** The one-minute load average (the machine is shared: wall times mean little without it). */
    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        }
    }
}
