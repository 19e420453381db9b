package dev.onnxpress.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every kind of report page laid out by a real browser: headless Chromium at 1280 px wide. The page must
 * not scroll sideways (wide tables scroll inside their own box), and no chart text (rotated step labels
 * included) may reach outside its chart. A screenshot of each page is kept in target/screenshots for a
 * human look. Skipped, with a message saying so, where /usr/bin/chromium is not installed.
 */
class ReportScreenshotIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path OUT = Path.of("target", "screenshots");

    /** Measures the laid-out page and leaves the result in an attribute that --dump-dom prints. */
    static final String PROBE = """
            <script>
            (function () {
              var problems = [];
              var width = document.documentElement.scrollWidth;
              if (width > window.innerWidth) { problems.push('page is ' + width + ' px wide'); }
              document.querySelectorAll('svg').forEach(function (svg, k) {
                var box = svg.getBoundingClientRect();
                svg.querySelectorAll('text').forEach(function (t) {
                  var r = t.getBoundingClientRect();
                  if (r.width === 0) { return; }
                  if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                      || r.bottom > box.bottom + 1) {
                    problems.push('chart ' + k + ': "' + t.textContent + '" reaches outside the chart');
                  }
                });
              });
              document.body.setAttribute('data-layout', problems.length === 0 ? 'ok' : problems.join(' | '));
            })();
            </script>
            """;

    @BeforeAll
    static void chromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            System.out.println("ReportScreenshotIT SKIPPED: " + CHROMIUM + " is not installed (apt-get install"
                    + " chromium); the report layout was not checked in a browser");
        }
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is not installed: report layout not"
                + " checked in a browser");
    }

    static Map<String, String> pages() {
        Map<String, String> pages = new LinkedHashMap<>();
        pages.put("breach", HtmlReport.toHtml(SampleReports.breach()));
        pages.put("unlabeled", HtmlReport.toHtml(SampleReports.unlabeled()));
        pages.put("many-steps", HtmlReport.toHtml(SampleReports.many(30)));
        pages.put("empty", HtmlReport.toHtml(SampleReports.empty()));
        pages.put("sensitivity", SensitivityHtml.render(new SensitivityHtml.Table("vgg_bn_fashion.onnx", "accuracy",
                "l1", 0.93, List.of(0.1, 0.3, 0.5, 0.7), List.of(
                        new SensitivityHtml.Series("/features/features.0/Conv", 32, List.of(0.929, 0.91, 0.85, 0.6), ""),
                        new SensitivityHtml.Series("/features/features.3/Conv", 64, List.of(0.93, 0.925, 0.9, 0.8), ""),
                        new SensitivityHtml.Series("/classifier/classifier.6/Gemm", 10, List.of(0.93, 0.93, 0.93, 0.93),
                                "feeds graph output 'logits'")))));
        return pages;
    }

    static String run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--user-data-dir=" + dir.resolve("profile"), "--window-size=1280,2400"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("chromium.out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(dir.resolve("chromium.err").toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s: " + cmd);
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    @Test
    void everyPageFitsAt1280PixelsAndNoChartTextIsClipped() throws Exception {
        Files.createDirectories(OUT);
        Path work = Files.createTempDirectory(Path.of("target"), "chromium");
        for (Map.Entry<String, String> page : pages().entrySet()) {
            Path probe = work.resolve(page.getKey() + "-probe.html");
            Files.writeString(probe, page.getValue().replace("</body>", PROBE + "</body>"));
            String dom = run(work, "--virtual-time-budget=3000", "--dump-dom", probe.toUri().toString());
            Matcher m = Pattern.compile("data-layout=\"([^\"]*)\"").matcher(dom);
            assertThat(m.find()).as("%s: the browser ran the layout probe", page.getKey()).isTrue();
            assertThat(m.group(1)).as("%s at 1280 px", page.getKey()).isEqualTo("ok");

            Path html = OUT.resolve(page.getKey() + ".html");
            Files.writeString(html, page.getValue());
            Path png = OUT.resolve(page.getKey() + ".png");
            Files.deleteIfExists(png);
            run(work, "--screenshot=" + png.toAbsolutePath(), html.toUri().toString());
            assertThat(png).as("%s screenshot", page.getKey()).isRegularFile();
            assertThat(pngWidth(png)).isEqualTo(1280);
        }
    }

    /** Width from the PNG header (IHDR follows the 8-byte signature and the chunk's length and type). */
    static int pngWidth(Path png) throws IOException {
        try (InputStream in = Files.newInputStream(png); DataInputStream d = new DataInputStream(in)) {
            d.skipNBytes(16);
            return d.readInt();
        }
    }
}
