package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The out-of-memory line: a heap limit to try from the model and the machine, or that the machine is too small. */
class HeapAdviceTest {
    private static final long GB = 1L << 30;

    @Test
    void suggestsTwiceTheLimitWhenTheMachineHasIt() {
        String m = HeapAdvice.message(3 * GB, 24 * GB, 2_550_000_000L);
        assertThat(m).startsWith("onnxpress: out of memory: the Java heap limit of 3.0 GB was not enough for this 2.4 GB")
                .contains("JAVA_OPTS=-Xmx6g").contains("machine has 24.0 GB").doesNotContain("\n");
    }

    @Test
    void atLeastTheModelPlusOneGigabyte() {
        assertThat(HeapAdvice.message(GB, 64 * GB, 5 * GB)).contains("-Xmx6g");
    }

    @Test
    void saysWhenTheMachineIsTooSmall() {
        assertThat(HeapAdvice.message(4 * GB, 8 * GB, 3 * GB)).contains("this machine's 8.0 GB of memory is likely too small")
                .doesNotContain("-Xmx");
    }

    @Test
    void withoutAModelRead() {
        assertThat(HeapAdvice.message(GB, 0, 0)).isEqualTo("onnxpress: out of memory: the Java heap limit of 1.0 GB"
                + " was not enough; give Java more heap: JAVA_OPTS=-Xmx2g onnxpress … (or java -Xmx2g -jar onnxpress.jar …)");
        assertThat(HeapAdvice.message(512L << 20, 0, 1_700_000)).contains("limit of 512 MB was not enough for this 2 MB model");
    }
}
