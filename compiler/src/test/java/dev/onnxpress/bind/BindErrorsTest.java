package dev.onnxpress.bind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broken recipes and the exact line each gives, before any model is touched. Every recipe starts with
 * {@link #HEADER} (lines 1–3); the broken part starts at line 4.
 */
class BindErrorsTest {
    static final String HEADER = "recipe \"t\" version 1\n"
            + "data calib = idx(images=\"../data/fashion-mnist/calib2k-images-idx3-ubyte.gz\", scale=1/255)\n"
            + "data test = idx(images=\"../data/fashion-mnist/t10k-images-idx3-ubyte.gz\","
            + " labels=\"../data/fashion-mnist/t10k-labels-idx1-ubyte.gz\", scale=1/255)\n";

    static final String SELECTOR = "a selector (all, op(\"…\"), name(\"…\"))";

    static Path design() {
        return SharedFiles.dir().resolve("design");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // unknown names
                Arguments.of("prune_chanels(ratio=0.5)",
                        "4:1: unknown pass 'prune_chanels'; did you mean 'prune_channels'?"),
                Arguments.of("frobnicate()", "4:1: unknown pass 'frobnicate'"),
                Arguments.of("pipeline cleanup { remove_identity() }\ncleanpu()",
                        "5:1: unknown pass 'cleanpu'; did you mean 'cleanup'?"),
                Arguments.of("prune_channels(ration=0.5)", "4:16: unknown parameter 'ration' for prune_channels; did you"
                        + " mean 'ratio'? (parameters: criterion, ratio, layers, min_channels, compensate, calibration)"),
                Arguments.of("fold_batchnorm(eps=1)",
                        "4:16: unknown parameter 'eps' for fold_batchnorm (it takes no parameters)"),
                Arguments.of("fold_batchnorm(1)", "4:16: fold_batchnorm takes 0 parameters but got more"),
                Arguments.of("quantize_int8(calibration=calb)",
                        "4:15: unknown data set 'calb'; did you mean 'calib'? (declared: calib, test)"),
                Arguments.of("quantize_int8(calibration=imagenet)",
                        "4:15: unknown data set 'imagenet' (declared: calib, test)"),
                Arguments.of("quantize_int8(calibration=calib, method=entrpy)", "4:34: unknown value 'entrpy' for"
                        + " 'method'; did you mean 'entropy'? (one of minmax, percentile, entropy)"),
                Arguments.of("data x = idxx(images=\"a\")", "4:1: unknown data kind 'idxx'; did you mean 'idx'?"
                        + " (kinds: idx, npy, onnx_test_data, random)"),
                Arguments.of("data x = idx(image=\"a\")", "4:14: unknown parameter 'image' for data idx(…); did you"
                        + " mean 'images'? (parameters: images, labels, scale, mean, std, skip, count)"),
                Arguments.of("verify using test { cosin >= 0.9 }", "4:21: unknown metric 'cosin'; did you mean"
                        + " 'cosine'? (metrics: max_abs_error, max_rel_error, cosine, top1_agreement, accuracy)"),
                Arguments.of("verify using tst { cosine >= 0.9 }",
                        "4:1: unknown data set 'tst'; did you mean 'test'? (declared: calib, test)"),
                // types
                Arguments.of("prune_channels(ratio=\"half\")", "4:16: expected a number for 'ratio' but got a string"),
                Arguments.of("prune_channels(ratio=true)",
                        "4:16: expected a number for 'ratio' but got the boolean true"),
                Arguments.of("share_weights(bits=2.5)", "4:15: expected a whole number for 'bits' but got 2.5"),
                Arguments.of("share_weights(bits=50%)",
                        "4:15: expected a whole number for 'bits' but got the percentage 50%"),
                Arguments.of("convert_opset(target=\"13\")",
                        "4:15: expected a whole number for 'target' but got a string"),
                Arguments.of("quantize_int8(calibration=calib, per_channel=1)",
                        "4:34: expected true or false for 'per_channel' but got the number 1"),
                Arguments.of("quantize_int8(calibration=calib, method=\"entropy\")",
                        "4:34: expected one of minmax, percentile, entropy for 'method' but got a string"),
                Arguments.of("quantize_int8(calibration=\"calib\")",
                        "4:15: expected a data set name for 'calibration' but got a string"),
                Arguments.of("prune_channels(layers=\"Conv\")",
                        "4:16: expected " + SELECTOR + " for 'layers' but got a string"),
                Arguments.of("prune_channels(layers=conv)",
                        "4:16: expected " + SELECTOR + " for 'layers' but got the word 'conv'"),
                Arguments.of("prune_channels(layers=op(\"Conv\") - gemm)",
                        "4:16: expected " + SELECTOR + " in 'layers' but got the word 'gemm'"),
                Arguments.of("add_early_exits(after=[name(\"a\"), 3], calibration=calib)",
                        "4:17: expected " + SELECTOR + " for 'after' but got the number 3"),
                Arguments.of("fold_batchnorm() tolerance { cosine >= \"high\" }",
                        "4:30: expected a number for the bound of 'cosine' but got a string"),
                // ranges
                Arguments.of("prune_channels(ratio=150%)", "4:16: 'ratio' must be between 0 and 0.99 but is 150%"),
                Arguments.of("prune_channels(ratio=-0.1)", "4:16: 'ratio' must be between 0 and 0.99 but is -0.1"),
                Arguments.of("share_weights(bits=0)", "4:15: 'bits' must be between 1 and 8 but is 0"),
                Arguments.of("prune_channels(min_channels=0)", "4:16: 'min_channels' must be at least 1 but is 0"),
                Arguments.of("convert_opset(target=99)", "4:15: 'target' must be between 7 and 21 but is 99"),
                Arguments.of("data r = random(count=0)", "4:17: 'count' must be at least 1 but is 0"),
                Arguments.of("repeat max 0 { remove_identity() }", "4:12: expected a whole number of at least 1 after 'max' but found '0'"),
                Arguments.of("verify using test { accuracy max_drop -1% }",
                        "4:21: accuracy max_drop must not be negative, not -1%"),
                // missing, duplicated
                Arguments.of("share_weights(layers=all)",
                        "4:1: share_weights: missing required parameter 'bits' (whole number: bits per index)"),
                Arguments.of("share_weights(bits=4, bits=5)", "4:23: parameter 'bits' is given twice (first at line 4)"),
                Arguments.of("data calib = idx(images=\"../data/mnist/t10k-images-idx3-ubyte.gz\")",
                        "4:1: data set 'calib' is already declared at line 2"),
                Arguments.of("verify using test { cosine >= 0.9; cosine >= 0.99 }",
                        "4:36: 'cosine vs original' is checked twice in this block (first at line 4)"),
                Arguments.of("pipeline p { remove_identity() }\npipeline p { fold_batchnorm() }",
                        "5:1: pipeline 'p' is already declared at line 4"),
                // accuracy needs labels
                Arguments.of("verify using calib { accuracy max_drop 1% }",
                        "4:22: accuracy needs labels but data 'calib' has none"),
                Arguments.of("verify { accuracy max_drop 1% }", "4:10: accuracy needs labelled data: add 'using DATA'"
                        + " to the verify block with a data set that has labels"),
                // loop variables
                Arguments.of("try r in [0.5] { prune_channels(ratio=r) }\nprune_channels(ratio=r)",
                        "5:16: 'r' is a loop variable of the try at line 4 and is defined only inside that block"),
                Arguments.of("try r in [0.5] { try r in [0.4] { prune_channels(ratio=r) } }",
                        "4:18: loop variable 'r' shadows the variable of an enclosing try at line 4; rename it"),
                Arguments.of("try calib in [0.5] { prune_channels(ratio=calib) }",
                        "4:1: loop variable 'calib' shadows the data set 'calib'; rename it"),
                Arguments.of("try r in [0.5, 0.4] { fold_batchnorm() }",
                        "4:1: loop variable 'r' is not used inside its try block"),
                Arguments.of("try r in [0.5, \"x\"] { prune_channels(ratio=r) }",
                        "4:38: expected a number for 'ratio' but got a string"),
                Arguments.of("pipeline p { prune_channels(ratio=r) }\ntry r in [0.5] { p() prune_channels(ratio=r) }",
                        "4:29: 'r' is a loop variable of the try at line 5 and is defined only inside that block"),
                // pipelines
                Arguments.of("pipeline clean { remove_identity() }\nclean(x=1)",
                        "5:7: pipeline 'clean' takes no arguments"),
                Arguments.of("pipeline p { remove_identity() }\np() tolerance { cosine >= 0.9 }",
                        "5:5: a tolerance applies to one pass, not to pipeline 'p'; put it on the steps inside the"
                                + " pipeline"),
                Arguments.of("pipeline a { b() }\npipeline b { a() }\na()",
                        "5:14: pipeline 'a' uses itself (through a → b)"),
                Arguments.of("pipeline fold_batchnorm { remove_identity() }",
                        "4:1: pipeline 'fold_batchnorm' has the name of a pass; rename the pipeline"),
                // placement declared by passes
                Arguments.of("fold_batchnorm()\nprune_channels(criterion=bn_gamma)",
                        "5:1: prune_channels(criterion=bn_gamma) must run before fold_batchnorm (line 4): bn_gamma"
                                + " ranks channels by BatchNormalization scales, which fold_batchnorm removes;"
                                + " move prune_channels before fold_batchnorm"),
                Arguments.of("fold_batchnorm()\ntry r in [50%, 40%] {\n  prune_channels(criterion=bn_gamma, ratio=r)\n}",
                        "6:3: prune_channels(criterion=bn_gamma, ratio=50%) must run before fold_batchnorm (line 4):"
                                + " bn_gamma ranks channels by BatchNormalization scales, which fold_batchnorm removes;"
                                + " move prune_channels before fold_batchnorm"),
                // a few syntax errors pass through unchanged, as one line
                Arguments.of("prune_channels(ratio=)", "4:22: expected a value after '=' but found ')'"),
                Arguments.of("prune_channels(ratio=0.5", "4:25: expected ')' or ',' after argument but found end of input"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void brokenRecipeGivesOneExactLine(String body, String expected) {
        PassCatalog catalog = PassCatalog.of(TestPasses.designStandIns());
        assertThatThrownBy(() -> new Binder(catalog).bindText(HEADER + body, "t.recipe", Optional.of(design())))
                .isInstanceOf(UserException.class)
                .hasMessage("t.recipe:" + expected);
    }

    @org.junit.jupiter.api.Test
    void missingDataFileIsReportedAtItsArgumentWithTheResolvedPath() {
        String text = HEADER + "data x = idx(images=\"../data/nope.gz\")";
        assertThatThrownBy(() -> new Binder(PassCatalog.of(TestPasses.designStandIns()))
                .bindText(text, "t.recipe", Optional.of(design())))
                .isInstanceOf(BindException.class)
                .hasMessage("t.recipe:4:14: data 'x': file not found: " + SharedFiles.dir().resolve("data/nope.gz")
                        .toAbsolutePath().normalize());
    }

    @org.junit.jupiter.api.Test
    void oneLineFormTeachesDataOnTheCommandLine() {
        assertThatThrownBy(() -> new Binder(PassCatalog.of(TestPasses.designStandIns()))
                .bindSteps("remove_identity, quantize_int8(calibration=calib)", "command line"))
                .isInstanceOf(BindException.class)
                .hasMessage("command line:1:32: unknown data set 'calib'; declare it on the command line with"
                        + " --data calib=SPEC, e.g. --data calib=idx:images.gz or --data calib=random:8");
    }
}
