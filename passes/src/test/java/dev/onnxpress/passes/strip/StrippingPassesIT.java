package dev.onnxpress.passes.strip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.strip.dedupe.DedupeInitializersPass;
import dev.onnxpress.passes.strip.deadnodes.RemoveDeadNodesPass;
import dev.onnxpress.passes.strip.docs.StripDocsPass;
import dev.onnxpress.passes.strip.identity.RemoveIdentityPass;
import dev.onnxpress.passes.strip.initializers.RemoveUnusedInitializersPass;
import dev.onnxpress.passes.strip.training.StripTrainingNodesPass;
import dev.onnxpress.testing.OrtEquivalence;
import dev.onnxpress.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every stripping pass, alone and all in a row, on every shared model: written, reloaded in ORT and
 * bit-identical to the original on seeded random inputs; idempotent; statistics consistent with the
 * graph. Prints one line per model and pass (the numbers the report quotes).
 */
class StrippingPassesIT {
    static final List<Pass<?>> PASSES = List.of(new StripTrainingNodesPass(), new RemoveIdentityPass(),
            new RemoveDeadNodesPass(), new RemoveUnusedInitializersPass(), new DedupeInitializersPass(),
            new StripDocsPass());

    static Stream<String> models() throws IOException {
        try (Stream<Path> dirs = Files.list(SharedFiles.dir().resolve("models"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("model.onnx")))
                    .map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static PassResult runDefaults(Pass pass, Model m) {
        return pass.run(m, PassOptions.defaults(pass.optionsType()), new NoDataContext());
    }

    @ParameterizedTest
    @MethodSource("models")
    void eachPassAndAllInARowKeepOutputsBitIdentical(String name) throws IOException {
        Path file = SharedFiles.model(name);
        byte[] original = Files.readAllBytes(file);
        Model read = ModelReader.read(file);
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(read, OrtEquivalence.SEED, Map.of());
        OrtEquivalence reference = OrtEquivalence.capture(original, feeds);
        int nodes = read.graph().allNodes().size();
        System.out.printf("%-20s IR %d, opset %d, %d inputs (%d to feed), %d initializers, %d nodes%n", name,
                read.irVersion(), read.defaultOpset(), read.graph().inputs().size(), read.graph().realInputs().size(),
                read.graph().initializers().size(), nodes);

        byte[] untouched = ModelWriter.toBytes(read);
        Model chained = read.copy();
        for (Pass<?> pass : PASSES) {
            Model alone = read.copy();
            PassResult r = runDefaults(pass, alone);
            byte[] bytes = ModelWriter.toBytes(alone);
            Model reloaded = ModelReader.read(bytes, java.util.Optional.empty(), name);
            if (r.changed()) {
                try {
                    reference.assertBitIdentical(reloaded);
                } catch (RuntimeException | AssertionError e) {
                    throw new AssertionError(pass.info().id() + " on " + name + ": " + e.getMessage(), e);
                }
            } else {
                // "unchanged" must be literal: the same bytes as the untouched model written back
                assertThat(bytes).as("%s on %s reported no change", pass.info().id(), name).isEqualTo(untouched);
            }
            assertThat(nodes - reloaded.graph().allNodes().size()).as("%s on %s: node count", pass.info().id(), name)
                    .isEqualTo(r.statistics().getOrDefault("nodes_removed", 0L).longValue());
            if (pass.info().has(PassInfo.Trait.IDEMPOTENT)) {
                assertThat(runDefaults(pass, alone).changed()).as("%s twice on %s", pass.info().id(), name).isFalse();
            }
            PassResult rc = runDefaults(pass, chained);
            System.out.printf("%-20s %-28s alone %s skips=%d | chained %s%n", name, pass.info().id(), r.statistics(),
                    r.skips().size(), rc.statistics());
        }
        byte[] written = ModelWriter.toBytes(chained);
        assertThat(written.length).as("all six on %s never grow the file", name).isLessThanOrEqualTo(untouched.length);
        assertThat(chained.graph().allNodes().size()).isLessThanOrEqualTo(nodes);
        reference.assertBitIdentical(ModelReader.read(written, java.util.Optional.empty(), name));
        System.out.printf("%-20s all six: %d → %d bytes, %d → %d nodes%n", name, original.length, written.length,
                nodes, chained.graph().allNodes().size());
    }
}
