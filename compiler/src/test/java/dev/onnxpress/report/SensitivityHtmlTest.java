package dev.onnxpress.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SensitivityHtmlTest {
    private static final SensitivityHtml.Table TABLE = new SensitivityHtml.Table("vgg <bn>.onnx", "accuracy", "l1",
            0.93, List.of(0.1, 0.3, 0.5), List.of(
                    new SensitivityHtml.Series("/features.0/Conv", 32, List.of(0.929, 0.91, 0.85), ""),
                    new SensitivityHtml.Series("conv&2", 64, List.of(0.93, 0.925, 0.90), ""),
                    new SensitivityHtml.Series("/fc/Gemm", 10, List.of(0.93, 0.93, 0.93),
                            "feeds graph output 'logits'")));

    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void pageIsWellFormedSelfContainedAndPlotsEveryLayer() throws Exception {
        String html = SensitivityHtml.render(TABLE);
        Document doc = parse(html);
        assertFalse(Pattern.compile("(?i)https?:|//[a-z0-9]|@import|url\\(|<script|<link|<img|<iframe|src=")
                .matcher(html).find(), "network reference or script in the page");
        NodeList groups = doc.getElementsByTagName("g");
        assertEquals(3, groups.getLength());
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            assertEquals(TABLE.layers().get(i).layer(), g.getAttribute("data-layer"));
            Element line = (Element) g.getElementsByTagName("polyline").item(0);
            assertEquals(3, line.getAttribute("points").split(" ").length, "one point per ratio");
            assertEquals(3, g.getElementsByTagName("circle").getLength());
        }
        // the steeper layer's last point lies lower (larger y) than the flat layer's
        double yFirst = lastY(groups.item(0));
        double yFlat = lastY(groups.item(2));
        assertTrue(yFirst > yFlat, html);
        // table: header ratios, one row per layer with its values and the skip reason
        NodeList rows = doc.getElementsByTagName("tr");
        assertEquals(4, rows.getLength());
        assertTrue(rows.item(0).getTextContent().contains("30%"));
        assertTrue(rows.item(1).getTextContent().contains("85.00%"), rows.item(1).getTextContent());
        assertTrue(rows.item(3).getTextContent().contains("feeds graph output"));
        assertTrue(doc.getElementsByTagName("title").item(0).getTextContent().contains("vgg <bn>.onnx"));
    }

    private static double lastY(org.w3c.dom.Node g) {
        String[] pts = ((Element) g).getElementsByTagName("polyline").item(0).getAttributes()
                .getNamedItem("points").getNodeValue().split(" ");
        return Double.parseDouble(pts[pts.length - 1].split(",")[1]);
    }

    @Test
    void cosineAndNonFiniteValuesStillRender() throws Exception {
        SensitivityHtml.Table t = new SensitivityHtml.Table("m", "cosine", "l2", 1.0, List.of(0.5),
                List.of(new SensitivityHtml.Series("a", 0, List.of(Double.NaN), "")));
        Document doc = parse(SensitivityHtml.render(t));
        assertEquals(1, doc.getElementsByTagName("g").getLength());
        assertThrows(IllegalArgumentException.class, () -> new SensitivityHtml.Table("m", "cosine", "l1", 1,
                List.of(0.1, 0.2), List.of(new SensitivityHtml.Series("a", 0, List.of(0.9), ""))));
    }

    @Test
    void writesTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sub/sens.html");
        SensitivityHtml.write(f, TABLE);
        assertEquals(SensitivityHtml.render(TABLE), Files.readString(f));
    }
}
