package dev.onnxpress.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class HtmlReportTest {
    /** Parses as XML: proves every tag is closed and every entity escaped. */
    static Document parse(String html) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        factory.setExpandEntityReferences(false);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> elements(Document doc, String tag) {
        NodeList list = doc.getElementsByTagName(tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < list.getLength(); i++) {
            out.add((Element) list.item(i));
        }
        return out;
    }

    @Test
    void everySampleIsWellFormedAndSelfContained() throws Exception {
        for (PipelineReport r : List.of(SampleReports.breach(), SampleReports.unlabeled(), SampleReports.empty())) {
            String html = HtmlReport.toHtml(r);
            Document doc = parse(html);
            assertThat(doc.getDocumentElement().getTagName()).isEqualTo("html");
            assertThat(html).startsWith("<!DOCTYPE html>");
            // nothing that would reach the network or run code
            assertThat(Pattern.compile("(?i)https?:|//[a-z0-9]|@import|url\\(|<script|<link|<img|<iframe|src=")
                    .matcher(html).find()).as("network or script reference").isFalse();
        }
    }

    @Test
    void containsTheStepTableAndFourCharts() throws Exception {
        Document doc = parse(HtmlReport.toHtml(SampleReports.breach()));
        List<Element> svgs = elements(doc, "svg");
        assertThat(svgs).hasSize(4);
        List<String> titles = svgs.stream().map(s -> s.getAttribute("aria-label")).toList();
        assertThat(titles).containsExactly("Model size", "Accuracy", "Max abs error vs input model", "Latency");
        // size chart: a bar per step plus the input; rejected steps drawn as such
        Element size = svgs.get(0);
        List<Element> bars = new ArrayList<>();
        NodeList rects = size.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            bars.add((Element) rects.item(i));
        }
        assertThat(bars).extracting(b -> b.getAttribute("class"))
                .containsExactly("bar baseline", "bar accepted", "bar rejected", "bar accepted", "bar rejected");
        assertThat(size.getTextContent()).contains("61.2 MB", "16.0 MB", "7.60 MB");
        // the accuracy chart is a line through the measured points, with the input's level dashed
        Element accuracy = svgs.get(1);
        assertThat(accuracy.getElementsByTagName("circle").getLength()).isEqualTo(5);
        // the line joins the input and the accepted steps only: rejected attempts never became the model
        String line = ((Element) accuracy.getElementsByTagName("polyline").item(0)).getAttribute("points");
        assertThat(line.split(" ")).hasSize(3);
        assertThat(accuracy.getTextContent()).contains("93.12%", "85.00%", "40.12%");
        // NaN max abs error is named, not drawn
        assertThat(svgs.get(2).getTextContent()).contains("3.25e+00", "1.23e-02", "NaN");

        Element steps = elements(doc, "table").get(0);
        assertThat(steps.getAttribute("class")).isEqualTo("steps");
        NodeList rows = ((Element) steps.getElementsByTagName("tbody").item(0)).getElementsByTagName("tr");
        assertThat(rows.getLength()).isEqualTo(5);
        assertThat(((Element) rows.item(2)).getAttribute("class")).isEqualTo("rejected");
        assertThat(rows.item(2).getTextContent()).contains("prune_channels", "try r=50%", "-73.9%", "3.25e+00",
                "91.20%", "85.00%", "-8.12 pts", "\u2717 fail");
        assertThat(rows.item(4).getTextContent()).contains("quantize_int8", "-74.7%", "NaN", "inf");
    }

    /** A statistic of a registered pass carries the description the pass declares, as a tooltip. */
    @Test
    void statisticsShowTheirDeclaredDescriptionOnHover() throws Exception {
        Document doc = parse(HtmlReport.toHtml(SampleReports.breach()));
        List<String> titled = new ArrayList<>();
        for (Element span : elements(doc, "span")) {
            if (span.hasAttribute("title") && span.getTextContent().contains("=")) {
                titled.add(span.getTextContent() + " | " + span.getAttribute("title"));
            }
        }
        assertThat(titled).contains("nodes_removed=3 | inference-mode Dropout nodes removed",
                "channels_pruned=1200 | output channels removed, over all layers");
    }

    @Test
    void userTextIsEscaped() throws Exception {
        String html = HtmlReport.toHtml(SampleReports.breach());
        assertThat(html).doesNotContain("<script>", "<bn>", "\u0001")
                .contains("conv2 &lt;main&gt; &amp; &quot;b&quot;")
                .contains("vgg &lt;bn&gt; &amp; &quot;fashion&quot;.onnx")
                .contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;");
        Document doc = parse(html);
        assertThat(doc.getElementsByTagName("h1").item(0).getTextContent()).isEqualTo("models/vgg <bn> & \"fashion\".onnx");
        assertThat(elements(doc, "pre").get(0).getTextContent()).isEqualTo(SampleReports.RECIPE);
    }

    @Test
    void perLayerDetailsBecomeTables() throws Exception {
        Document doc = parse(HtmlReport.toHtml(SampleReports.breach()));
        Element layers = elements(doc, "table").stream()
                .filter(t -> t.getElementsByTagName("th").getLength() > 0
                        && t.getElementsByTagName("th").item(0).getTextContent().equals("layer"))
                .findFirst().orElseThrow();
        NodeList head = layers.getElementsByTagName("th");
        List<String> columns = new ArrayList<>();
        for (int i = 0; i < head.getLength(); i++) {
            columns.add(head.item(i).getTextContent());
        }
        assertThat(columns).containsExactly("layer", "channels_before", "channels_after", "error");
        NodeList rows = ((Element) layers.getElementsByTagName("tbody").item(0)).getElementsByTagName("tr");
        assertThat(rows.getLength()).isEqualTo(3);
        assertThat(rows.item(1).getTextContent()).isEqualTo("conv2 <main> & \"b\"12890\u2013");
        assertThat(rows.item(0).getTextContent()).contains("conv1", "0.0015");
        // scalar entries of the same details map go to a key/value table
        assertThat(doc.getDocumentElement().getTextContent()).contains("ratio0.3", "importancel1");
    }

    @Test
    void checksAndSkipsAreListed() throws Exception {
        String text = parse(HtmlReport.toHtml(SampleReports.breach())).getDocumentElement().getTextContent();
        assertThat(text).contains("top1_agreement vs original >= 0.98", "91.20%", "\u2717 breached", "\u2713 held",
                "accuracy max_drop 0.5", ">= 92.62%", "40.12%",
                "excluded by selector", "node \"head/conv\"");
    }

    @Test
    void unlabeledRunChartsCosineAndSaysWhenErrorsAreAllZero() throws Exception {
        Document doc = parse(HtmlReport.toHtml(SampleReports.unlabeled()));
        List<Element> svgs = elements(doc, "svg");
        assertThat(svgs).extracting(s -> s.getAttribute("aria-label"))
                .containsExactly("Model size", "Cosine vs input model", "Max abs error vs input model", "Latency");
        assertThat(svgs.get(0).getTextContent()).contains("KB", "4.50 KB");
        assertThat(svgs.get(2).getTextContent()).contains("exactly");
        assertThat(doc.getDocumentElement().getTextContent()).contains("out/tiny.onnx", "11".repeat(32));
    }

    @Test
    void manyStepsGiveCompactChartsAndEveryPerLayerTable() throws Exception {
        Document doc = parse(HtmlReport.toHtml(SampleReports.many(18)));
        Element size = elements(doc, "svg").get(0);
        assertThat(size.getElementsByTagName("rect").getLength()).isEqualTo(19);
        // with this many bars the x axis shows step numbers, not names
        List<String> labels = new ArrayList<>();
        NodeList texts = size.getElementsByTagName("text");
        for (int i = 0; i < texts.getLength(); i++) {
            Element t = (Element) texts.item(i);
            if (t.getAttribute("class").equals("xlabel")) {
                labels.add(t.getTextContent());
            }
        }
        assertThat(labels).hasSize(19).startsWith("in", "1", "2").endsWith("18");
        long layerTables = elements(doc, "table").stream()
                .filter(t -> t.getElementsByTagName("th").item(0).getTextContent().equals("layer")).count();
        assertThat(layerTables).isEqualTo(18);
    }

    @Test
    void chartLabelsKeepTheTriedValue() throws Exception {
        Document doc = parse(HtmlReport.toHtml(SampleReports.breach()));
        assertThat(elements(doc, "svg").get(0).getTextContent()).contains("[r=50%]", "[r=30%]");
    }

    @Test
    void writeIsAtomic(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("report.html");
        HtmlReport.write(SampleReports.breach(), target);
        assertThat(Files.readString(target)).isEqualTo(HtmlReport.toHtml(SampleReports.breach()));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }
}
