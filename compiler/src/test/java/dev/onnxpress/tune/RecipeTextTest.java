package dev.onnxpress.tune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.tune.Candidate.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeTextTest {
    @TempDir
    Path dir;

    @Test
    void writesACommentedRecipeTheBinderAcceptsWithTheBudgetOnTheLastStep() throws Exception {
        Path data = Path.of("../examples/data").toAbsolutePath().normalize();
        DataSource src = DataSource.of(data.resolve("t1k-images-idx3-ubyte.gz"),
                Optional.of(data.resolve("t1k-labels-idx1-ubyte.gz")), 1 / 255.0);
        DataSplit split = DataSplit.of(src.load().size());
        Path folder = Files.createDirectories(dir.resolve("out"));
        List<String> decls = List.of(src.declaration("calib", false, 0, split.calibrationCount(), Optional.of(folder)),
                src.declaration("heldout", true, split.heldOutSkip(), split.heldOutCount(), Optional.of(folder)));
        String why = "fc2 alone at 90%: -0.12 pt, 26,000 bytes saved; " + "more words ".repeat(30);
        String text = RecipeText.render("tuned: m, size, accuracy max_drop 1%", List.of("Written by tune", "result"),
                List.of("the split"), decls,
                List.of(new Step("prune_magnitude(sparsity=90%, layers=name(\"/fc2/Gemm\"), compensate=true,"
                                + " calibration=calib)", why),
                        new Step("pack_huffman(min_bytes=256)", "lossless")),
                "accuracy max_drop 1%", Map.of("quantize_int8(method=entropy, calibration=calib)", "avoided: -6 pt"));
        assertThat(text).startsWith("# Written by tune\n# result\nrecipe \"tuned: m, size, accuracy max_drop 1%\" version 1");
        assertThat(text).contains("# fc2 alone at 90%: -0.12 pt").contains("# measured and not used:")
                .contains("skip=" + split.heldOutSkip()).contains("scale=1/255")
                .contains("images=\"../");
        assertThat(text.lines().filter(l -> l.startsWith("#")).mapToInt(String::length).max().orElse(0))
                .isLessThanOrEqualTo(RecipeText.WIDTH);
        assertThat(text).endsWith("pack_huffman(min_bytes=256)\n  tolerance { accuracy max_drop 1% }\n");
        Path recipe = folder.resolve("t.recipe");
        Files.writeString(recipe, text);
        Plan plan = new Binder().bindFile(recipe, recipe.toString());
        assertThat(plan.evaluationData()).contains("heldout");
        assertThat(plan.dataSet("heldout").orElseThrow().load().size()).isEqualTo(split.heldOutCount());
        assertThat(plan.dataSet("calib").orElseThrow().load().size()).isEqualTo(split.calibrationCount());
        assertThat(plan.dataSet("heldout").orElseThrow().load().labels().orElseThrow()[0])
                .isEqualTo(src.load().labels().orElseThrow()[split.heldOutSkip()]);
    }

    @Test
    void scaleIsWrittenAsAFractionWhenItIsOne() {
        assertThat(DataSource.scaleText(1 / 255.0)).isEqualTo("1/255");
        assertThat(DataSource.scaleText(0.5)).isEqualTo("1/2");
        assertThat(DataSource.scaleText(0.3)).isEqualTo("0.3");
    }
}
