package dev.onnxpress.dsl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed recipe. Data declarations, the default verify block and the statements are each kept
 * in source order; {@code location} is the position of the {@code recipe} header.
 */
public record Recipe(
        String name,
        int version,
        List<DataDecl> data,
        Optional<VerifyBlock> verify,
        List<Statement> statements,
        SourceLocation location) {

    public Recipe {
        Objects.requireNonNull(name, "name");
        data = List.copyOf(data);
        Objects.requireNonNull(verify, "verify");
        statements = List.copyOf(statements);
        Objects.requireNonNull(location, "location");
    }

    /** The data set declared as {@code dataName}, if any. */
    public Optional<DataDecl> dataSet(String dataName) {
        return data.stream().filter(d -> d.name().equals(dataName)).findFirst();
    }

    /** The top-level pipeline declarations, in source order. */
    public List<Statement.PipelineDecl> pipelines() {
        return statements.stream()
                .filter(Statement.PipelineDecl.class::isInstance)
                .map(Statement.PipelineDecl.class::cast)
                .toList();
    }
}
