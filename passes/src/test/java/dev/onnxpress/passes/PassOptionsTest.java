package dev.onnxpress.passes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Options records built in code from their declarations: defaults, overrides, ranges, copies. */
class PassOptionsTest {
    enum Mode { fast, careful }

    record Example(
            @Param(doc = "b", dflt = "true") boolean flag,
            @Param(doc = "n", dflt = "3", min = 1, max = 8) int count,
            @Param(doc = "l", dflt = "1024", min = 0) long bytes,
            @Param(doc = "r", dflt = "30%", min = 0, max = 0.99) double ratio,
            @Param(doc = "e", dflt = "FAST") Mode mode,
            @Param(doc = "s", dflt = "all") NodeSelector layers,
            @Param(doc = "list", dflt = "[0.5, 1/4]", min = 0, max = 1) List<Double> ratios,
            @Param(doc = "names", dflt = "[\"a, b\", \"c\"]") List<String> names,
            @Param(doc = "opt", min = 0, max = 1) Optional<Double> drop,
            @Param(doc = "data") Optional<DataRef> data) {
    }

    record Needs(@Param(doc = "data") DataRef calibration, @Param(doc = "x", dflt = "2") int x) {
    }

    @Test
    void defaultsAreTheDeclaredOnes() {
        Example e = PassOptions.defaults(Example.class);
        assertThat(e).isEqualTo(new Example(true, 3, 1024L, 0.3, Mode.fast, NodeSelector.ALL, List.of(0.5, 0.25),
                List.of("a, b", "c"), Optional.empty(), Optional.empty()));
    }

    @Test
    void givenOptionsOverrideDefaultsAndWholeNumbersWiden() {
        Example e = PassOptions.of(Example.class, Map.of("count", 8, "bytes", 5, "ratio", 0, "drop", 1,
                "data", new DataRef("calib")));
        assertThat(e.count()).isEqualTo(8);
        assertThat(e.bytes()).isEqualTo(5L);
        assertThat(e.ratio()).isEqualTo(0.0);
        assertThat(e.drop()).hasValue(1.0);
        assertThat(e.data()).hasValue(new DataRef("calib"));
        assertThat(PassOptions.with(e, "mode", Mode.careful)).isEqualTo(new Example(true, 8, 5L, 0.0, Mode.careful,
                e.layers(), e.ratios(), e.names(), Optional.of(1.0), e.data()));
        assertThat(PassOptions.with(e, Map.of("flag", false, "count", 1)).count()).isEqualTo(1);
    }

    @Test
    void valuesOutsideTheDeclaredRangeOrOfAnotherTypeAreRefused() {
        assertThatThrownBy(() -> PassOptions.of(Example.class, Map.of("count", 9)))
                .hasMessage("Example.count must be between 1 and 8 but is 9");
        assertThatThrownBy(() -> PassOptions.of(Example.class, Map.of("ratios", List.of(0.5, 1.5))))
                .hasMessage("Example.ratios must be between 0 and 1 but is 1.5");
        assertThatThrownBy(() -> PassOptions.of(Example.class, Map.of("drop", -0.5)))
                .hasMessage("Example.drop must be between 0 and 1 but is -0.5");
        assertThatThrownBy(() -> PassOptions.of(Example.class, Map.of("count", 2.5)))
                .hasMessage("Example.count takes whole number, not 2.5 (Double)");
        assertThatThrownBy(() -> PassOptions.of(Example.class, Map.of("mode", "fast")))
                .hasMessage("Example.mode takes one of fast|careful, not fast (String)");
        assertThatThrownBy(() -> PassOptions.with(PassOptions.defaults(Example.class), "cuont", 2))
                .hasMessageContaining("Example has no option 'cuont'");
        assertThatThrownBy(() -> PassOptions.check(Example.class, "ratio", 0.995))
                .hasMessage("Example.ratio must be between 0 and 0.99 but is 0.995");
    }

    @Test
    void requiredOptionsMustBeGiven() {
        assertThatThrownBy(() -> PassOptions.defaults(Needs.class))
                .hasMessage("Needs: option 'calibration' is required");
        assertThat(PassOptions.of(Needs.class, Map.of("calibration", new DataRef("c"))))
                .isEqualTo(new Needs(new DataRef("c"), 2));
    }

    @Test
    void specsDescribeTypeRangeAndDefault() {
        OptionSpec ratio = OptionSpec.named(Example.class, "ratio");
        assertThat(ratio.typeName()).isEqualTo("number");
        assertThat(ratio.range()).hasValue("0 ≤ x ≤ 0.99");
        assertThat(ratio.dflt()).hasValue("30%");
        assertThat(OptionSpec.named(Example.class, "mode").typeName()).isEqualTo("one of fast|careful");
        assertThat(OptionSpec.named(Example.class, "bytes").range()).hasValue("x ≥ 0");
        assertThat(OptionSpec.named(Example.class, "drop").required()).isFalse();
        assertThat(OptionSpec.named(Needs.class, "calibration").required()).isTrue();
    }
}
