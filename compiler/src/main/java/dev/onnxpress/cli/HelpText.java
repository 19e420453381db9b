package dev.onnxpress.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How help and usage errors read. Command descriptions are written in source as several string pieces;
 * picocli would print each piece as its own line, and the command list only the first piece, cut
 * mid-sentence. Here each description becomes one paragraph that picocli wraps, the command list shows
 * each command's whole first sentence, and a usage error is one line that points at
 * {@code onnxpress help COMMAND} instead of forty lines of usage.
 */
final class HelpText {
    static final int WIDTH = 80;

    private HelpText() {
    }

    static void install(CommandLine root) {
        wholeParagraphs(root.getCommandSpec());
        for (CommandLine sub : root.getSubcommands().values()) {
            wholeParagraphs(sub.getCommandSpec());
        }
        root.setUsageHelpWidth(WIDTH);
        root.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
                help -> commandList(help.commandSpec()));
        root.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println(usageError(ex));
            ex.getCommandLine().getErr().flush();
            return 2;
        });
    }

    /** One line: the command, picocli's message, suggestions, and where to read more. */
    static String usageError(CommandLine.ParameterException ex) {
        CommandSpec spec = ex.getCommandLine().getCommandSpec();
        String msg = FailureReport.oneLine(ex.getMessage());
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            msg += "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        String help = spec.parent() == null || spec.name().equals("help") ? "onnxpress help"
                : "onnxpress help " + spec.name();
        return spec.qualifiedName() + ": " + msg + " (see '" + help + "')";
    }

    /** The description pieces of a command joined into paragraphs (an empty piece starts a new one). */
    static void wholeParagraphs(CommandSpec spec) {
        String[] pieces = spec.usageMessage().description();
        spec.usageMessage().description(paragraphs(pieces).toArray(String[]::new));
    }

    static List<String> paragraphs(String[] pieces) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String p : pieces) {
            if (p.isBlank()) {
                if (current.length() > 0) {
                    out.add(current.toString());
                    current.setLength(0);
                }
                continue;
            }
            current.append(current.length() == 0 ? "" : " ").append(p.strip());
        }
        if (current.length() > 0) {
            out.add(current.toString());
        }
        return out;
    }

    /** The first sentence of a command's description, whole. */
    static String summary(CommandSpec spec) {
        List<String> paragraphs = paragraphs(spec.usageMessage().description());
        if (paragraphs.isEmpty()) {
            return "";
        }
        String text = paragraphs.get(0);
        for (int i = 0; i < text.length() - 1; i++) {
            if (text.charAt(i) == '.' && text.charAt(i + 1) == ' ') {
                return text.substring(0, i + 1);
            }
        }
        return text;
    }

    static String commandList(CommandSpec root) {
        Map<String, CommandLine> subs = root.subcommands();
        int nameWidth = subs.keySet().stream().mapToInt(String::length).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        String indent = " ".repeat(2 + nameWidth + 2);
        for (Map.Entry<String, CommandLine> e : subs.entrySet()) {
            String name = e.getKey();
            List<String> lines = wrap(summary(e.getValue().getCommandSpec()), WIDTH - indent.length());
            sb.append("  ").append(name).append(" ".repeat(nameWidth - name.length() + 2))
                    .append(lines.isEmpty() ? "" : lines.get(0)).append(System.lineSeparator());
            for (int i = 1; i < lines.size(); i++) {
                sb.append(indent).append(lines.get(i)).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }

    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" +")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "" : " ").append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
