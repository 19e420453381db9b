package dev.onnxpress.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobTest {

    @ParameterizedTest
    @CsvSource({
        "*head*,                 /model/head/Conv,          true",
        "*head*,                 /model/backbone/Conv,      false",
        "*features.6/MaxPool,    /features/features.6/MaxPool, true",
        "*features.6/MaxPool,    /features/features.16/MaxPool, false",
        "Conv,                   Conv,                      true",
        "Conv,                   ConvTranspose,             false",
        "Conv*,                  ConvTranspose,             true",
        "Q?antizeLinear,         QuantizeLinear,            true",
        "?,                      '',                        false",
        "*,                      '',                        true",
        "'',                     '',                        true",
        "a*b*c,                  aXbYc,                     true",
        "a*b*c,                  aXbY,                      false",
        "*a*a*a*b,               aaaaaaaaaaaaaaaaaaaaaaaa,  false",
        "**x,                    x,                         true",
    })
    void matchesWholeStrings(String pattern, String text, boolean expected) {
        assertThat(Glob.matches(pattern, text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"Conv, true", "Conv*, false", "C?nv, false"})
    void literalPatterns(String pattern, boolean literal) {
        assertThat(new Glob(pattern).isLiteral()).isEqualTo(literal);
    }
}
