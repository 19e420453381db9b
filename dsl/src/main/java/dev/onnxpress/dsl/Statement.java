package dev.onnxpress.dsl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Something that runs: a step, or a block of steps. */
public sealed interface Statement {

    SourceLocation location();

    /**
     * {@code name(arg=value, …)} with an optional tolerance. The parser cannot tell a pass from a
     * pipeline; the binder decides what {@code name} refers to.
     */
    record Step(String name, List<Arg> args, Optional<Tolerance> tolerance, SourceLocation location)
            implements Statement {
        public Step {
            Objects.requireNonNull(name, "name");
            args = List.copyOf(args);
            Objects.requireNonNull(tolerance, "tolerance");
            Objects.requireNonNull(location, "location");
        }

        /** The first argument named {@code argName}, if any. */
        public Optional<Arg> arg(String argName) {
            return args.stream()
                    .filter(a -> a.name().filter(argName::equals).isPresent())
                    .findFirst();
        }
    }

    /** {@code pipeline NAME { … }}: a named list of statements, used later as a step. */
    record PipelineDecl(String name, List<Statement> body, SourceLocation location) implements Statement {
        public PipelineDecl {
            Objects.requireNonNull(name, "name");
            body = List.copyOf(body);
            Objects.requireNonNull(location, "location");
        }
    }

    /** {@code repeat max N { … }}: run the body until nothing changes, at most {@code max} times. */
    record Repeat(int max, List<Statement> body, SourceLocation location) implements Statement {
        public Repeat {
            body = List.copyOf(body);
            Objects.requireNonNull(location, "location");
        }
    }

    /** {@code try VAR in [v1, v2, …] { … }}: the first value whose body stays within tolerance wins. */
    record Try(String variable, List<Value> values, List<Statement> body, SourceLocation location)
            implements Statement {
        public Try {
            Objects.requireNonNull(variable, "variable");
            values = List.copyOf(values);
            body = List.copyOf(body);
            Objects.requireNonNull(location, "location");
        }
    }
}
