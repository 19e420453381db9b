package dev.onnxpress.cli;

import dev.onnxpress.bind.DidYouMean;
import dev.onnxpress.error.UserException;
import dev.onnxpress.passes.OptionSpec;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassRegistry;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code onnxpress passes [ID]}: the pass list, or one pass's documentation generated from its declarations
 * ({@link dev.onnxpress.passes.PassSpec} and the options record's {@link OptionSpec}s).
 */
@Command(name = "passes", sortOptions = false,
        description = {"List the passes, or document one: its parameters (type, default, range) come from",
                "the pass's options record."})
final class PassesCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "A pass id, for example remove_identity.")
    String id;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (id == null) {
            int width = PassRegistry.ids().stream().mapToInt(String::length).max().orElse(0);
            for (Pass<?> p : PassRegistry.all()) {
                out.println(String.format(Locale.ROOT, "%-" + width + "s  %s", p.info().id(), p.info().summary()));
            }
            return 0;
        }
        Pass<?> pass = PassRegistry.find(id).orElseThrow(() -> new UserException("unknown pass '" + id + "'"
                + DidYouMean.suffix(id, PassRegistry.ids()) + " ('onnxpress passes' lists them)"));
        out.print(document(pass));
        return 0;
    }

    static String document(Pass<?> pass) {
        PassInfo info = pass.info();
        StringBuilder sb = new StringBuilder();
        sb.append(info.id()).append(" — ").append(info.summary()).append('\n');
        if (!info.traits().isEmpty()) {
            sb.append("traits: ").append(info.traits().stream().map(t -> t.name().toLowerCase(Locale.ROOT)).sorted()
                    .collect(Collectors.joining(", "))).append('\n');
        }
        if (!info.statistics().isEmpty()) {
            sb.append("statistics:\n");
            for (String st : info.statistics()) {
                sb.append("  ").append(st);
                info.description(st).ifPresent(d -> sb.append(" — ").append(d));
                sb.append('\n');
            }
        }
        var params = OptionSpec.of(pass.optionsType());
        if (params.isEmpty()) {
            sb.append("parameters: none\n");
            return sb.toString();
        }
        sb.append("parameters:\n");
        for (OptionSpec p : params) {
            sb.append("  ").append(p.name()).append(" (").append(p.typeName());
            p.dflt().ifPresent(d -> sb.append(", default ").append(d));
            if (p.required()) {
                sb.append(", required");
            } else if (p.dflt().isEmpty()) {
                sb.append(", optional");
            }
            p.range().ifPresent(r -> sb.append(", ").append(r));
            sb.append(")\n      ").append(p.doc()).append('\n');
        }
        return sb.toString();
    }
}
