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
}
