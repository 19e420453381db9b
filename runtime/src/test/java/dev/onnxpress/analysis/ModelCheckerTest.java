package dev.onnxpress.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.testing.SharedFiles;
import org.junit.jupiter.api.Test;

class ModelCheckerTest {
    @Test
    void sharedModelsAreValid() {
        for (String name : new String[] {"lenet5_fashion", "vgg_bn_fashion", "mnist_cnn", "ultraface_rfb640"}) {
            assertThat(ModelChecker.problems(ModelReader.read(SharedFiles.model(name)))).as(name).isEmpty();
        }
    }

    @Test
    void readingAValueNothingProducesIsReported() {
        Model m = ModelReader.read(SharedFiles.model("lenet5_fashion"));
        Node last = m.graph().nodes().get(m.graph().nodeCount() - 1);
        Rewriter rw = new Rewriter(m);
        rw.setInput(last, 0, rw.newDetachedValue(m.graph(), "ghost"));
        assertThat(ModelChecker.problems(m)).singleElement().asString()
                .startsWith("graph '" + m.graph().name() + "': node '" + last.label() + "' reads 'ghost'")
                .endsWith("which nothing produces");
    }

    @Test
    void danglingGraphOutputIsReported() {
        Model m = ModelReader.read(SharedFiles.model("lenet5_fashion"));
        Rewriter rw = new Rewriter(m);
        rw.setGraphOutput(m.graph(), 0, rw.newDetachedValue(m.graph(), "lost"));
        assertThat(ModelChecker.problems(m)).contains("graph '" + m.graph().name()
                + "': output 'lost' is not produced by anything");
    }
}
