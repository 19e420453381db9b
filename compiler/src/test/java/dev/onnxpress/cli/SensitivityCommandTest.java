package dev.onnxpress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.testing.SharedFiles;
import org.junit.jupiter.api.Test;

class SensitivityCommandTest {
    private static final String MODEL = SharedFiles.model("lenet5_fashion").toString();
    private static final String IMAGES = SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz").toString();
    private static final String LABELS = SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz").toString();

    @Test
    void jsonHasOneSeriesPerLayerAndAccuracyFallsWithTheRatio() throws Exception {
        Main.Execution e = Main.execute("sensitivity", MODEL, "--data", IMAGES, "--labels", LABELS,
                "--scale", "0.00392156862745098", "--count", "300", "--ratios", "10%,90%", "--json");
        assertEquals(0, e.exitCode(), e.err());
        JsonNode doc = new ObjectMapper().readTree(e.out());
        assertEquals("accuracy", doc.get("metric").asText());
        assertTrue(doc.get("baseline").asDouble() > 0.8);
        assertEquals(2, doc.get("ratios").size());
        JsonNode layers = doc.get("layers");
        assertTrue(layers.size() >= 3, e.out());
        JsonNode conv = layers.get(0);
        assertTrue(conv.get("values").get(1).asDouble() < conv.get("values").get(0).asDouble(), e.out());
        // the last Gemm feeds the output: it cannot shrink, and says why
        assertTrue(layers.get(layers.size() - 1).get("skipped").asText().contains("graph output"), e.out());
    }

    @Test
    void tableAndBadRatio() {
        Main.Execution e = Main.execute("sensitivity", MODEL, "--data", IMAGES, "--labels", LABELS,
                "--scale", "0.00392156862745098", "--count", "100", "--ratios", "50%");
        assertEquals(0, e.exitCode(), e.err());
        assertTrue(e.out().startsWith("accuracy (l1), baseline"), e.out());
        Main.Execution bad = Main.execute("sensitivity", MODEL, "--data", IMAGES, "--ratios", "150%");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("ratio '150%'"), bad.err());
    }

    @Test
    void htmlPageHasTheChartAndTheTable(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path page = dir.resolve("sens.html");
        Main.Execution e = Main.execute("sensitivity", MODEL, "--data", IMAGES, "--labels", LABELS,
                "--scale", "0.00392156862745098", "--count", "100", "--ratios", "10%,60%", "--json",
                "--html", page.toString());
        assertEquals(0, e.exitCode(), e.err());
        JsonNode doc = new ObjectMapper().readTree(e.out());
        String html = java.nio.file.Files.readString(page);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<svg"), html);
        for (JsonNode layer : doc.get("layers")) {
            assertTrue(html.contains("data-layer=\"" + layer.get("layer").asText() + "\""), layer.toString());
        }
        assertTrue(html.contains("60%"));
    }

    @Test
    void reconstructionWithCompensationOnCalibrationDataLosesLessThanL1() throws Exception {
        String calib = SharedFiles.data("fashion-mnist/calib2k-images-idx3-ubyte.gz").toString();
        String[] common = {"sensitivity", MODEL, "--data", IMAGES, "--labels", LABELS, "--scale",
                "0.00392156862745098", "--count", "500", "--ratios", "75%", "--json"};
        Main.Execution l1 = Main.execute(common);
        String[] refit = java.util.stream.Stream.concat(java.util.Arrays.stream(common), java.util.stream.Stream.of(
                "--criterion", "reconstruction", "--calibration", calib, "--calibration-count", "500", "--compensate"))
                .toArray(String[]::new);
        Main.Execution rec = Main.execute(refit);
        assertEquals(0, l1.exitCode(), l1.err());
        assertEquals(0, rec.exitCode(), rec.err());
        JsonNode a = new ObjectMapper().readTree(l1.out()).get("layers");
        JsonNode b = new ObjectMapper().readTree(rec.out()).get("layers");
        double sumL1 = 0;
        double sumRec = 0;
        for (int i = 0; i < a.size(); i++) {
            sumL1 += a.get(i).get("values").get(0).asDouble();
            sumRec += b.get(i).get("values").get(0).asDouble();
        }
        assertTrue(sumRec > sumL1, "reconstruction+refit " + b + " vs l1 " + a);

        Main.Execution missing = Main.execute("sensitivity", MODEL, "--data", IMAGES, "--criterion", "activation");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("needs --calibration"), missing.err());
    }
}
