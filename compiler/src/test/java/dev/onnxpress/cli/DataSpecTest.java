package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.dsl.DataDecl;
import dev.onnxpress.error.UserException;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DataSpecTest {

    static String args(DataDecl d) {
        return d.args().stream().map(a -> a.name().orElse("_")).collect(Collectors.joining(","));
    }

    @Test
    void shortFormsNameTheKindsMainArgument() {
        DataDecl idx = DataSpec.parse("calib=idx:data/images.gz,scale=1/255,count=100", Optional.empty());
        assertThat(idx.name()).isEqualTo("calib");
        assertThat(idx.kind()).isEqualTo("idx");
        assertThat(args(idx)).isEqualTo("images,scale,count");
        assertThat(args(DataSpec.parse("r=random:8", Optional.empty()))).isEqualTo("count");
        assertThat(args(DataSpec.parse("n=npy:x.npy", Optional.empty()))).isEqualTo("path");
        assertThat(args(DataSpec.parse("t=onnx_test_data:folder", Optional.empty()))).isEqualTo("dir");
        assertThat(args(DataSpec.parse("r=random:count=4,dims=[\"h=8\", \"w=8\"]", Optional.empty())))
                .isEqualTo("count,dims");
    }

    @Test
    void recipeExpressionsPassAsWrittenAndLabelsAreAdded() {
        DataDecl d = DataSpec.parse("test=idx(images=\"t.gz\", scale=1/255)", Optional.of("l.gz"));
        assertThat(args(d)).isEqualTo("images,scale,labels");
        assertThat(args(DataSpec.parse("test=idx:t.gz", Optional.of("l.gz")))).isEqualTo("images,labels");
    }

    @Test
    void badFormsTeachTheRightOne() {
        assertThatThrownBy(() -> DataSpec.parse("calib", Optional.empty())).isInstanceOf(UserException.class)
                .hasMessageContaining("write NAME=SPEC");
        assertThatThrownBy(() -> DataSpec.parse("calib=images.gz", Optional.empty()))
                .hasMessageContaining("SPEC is KIND:FILE");
        assertThatThrownBy(() -> DataSpec.parse("calib=idx(images=", Optional.empty()))
                .hasMessageStartingWith("--data calib=idx(images=: ");
        assertThat(DataSpec.inlineDataHint("strip_docs, quantize_int8(calibration=random(count=8))")).contains(
                "data cannot be written inside -p; declare it with --data and pass its name: -p 'strip_docs,"
                        + " quantize_int8(calibration=calibration)' --data calibration='random(count=8)'");
        assertThat(DataSpec.inlineDataHint("quantize_int8(calibration=calib)")).isEmpty();
        assertThat(DataSpec.inlineDataHint("share_weights(calibration =\n npy(path=\"a.npy\"))")).get().asString()
                .endsWith("--data calibration='npy(path=\"a.npy\")'");
        // a 200,000-character name (a hostile -p text): read in linear time, no hint
        String huge = "n".repeat(200_000);
        assertThat(DataSpec.inlineDataHint("prune_magnitude(" + huge + "=0.5, " + huge + ")")).isEmpty();
        assertThat(DataSpec.inlineDataHint("q(" + huge + "=random(count=2))")).get().asString()
                .endsWith("--data " + huge + "='random(count=2)'");
    }
}
