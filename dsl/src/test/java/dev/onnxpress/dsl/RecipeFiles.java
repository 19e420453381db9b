package dev.onnxpress.dsl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The recipes of shared/design/RECIPES.md, copied verbatim into test resources. */
final class RecipeFiles {

    static final String LENET = "fashion-lenet5-deep-compression.recipe";
    static final String VGG = "vgg-slim.recipe";
    static final String ULTRAFACE = "ultraface-for-other-runtimes.recipe";
    static final List<String> ALL = List.of(LENET, VGG, ULTRAFACE);

    private RecipeFiles() {
    }

    static String text(String name) {
        try (InputStream in = RecipeFiles.class.getResourceAsStream("/recipes/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource recipes/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Recipe parse(String name) {
        return RecipeParser.parse(text(name), name);
    }
}
