package dev.onnxpress.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link ScaleRun} in a child JVM of its own, so that its peak RSS is the run's alone; the child's output is
 * captured in a log file under the caller's temporary folder.
 */
public final class ScaleChild {
    private static final Pattern SCALE = Pattern.compile(
            "SCALE rc=(\\d+) wall_ms=(\\d+) peak_rss_kb=(-?\\d+) peak_heap_kb=(\\d+)");

    private ScaleChild() {
    }

    /** What a child printed, and how it ended. */
    public record Output(List<String> lines, boolean timedOut, int exitCode) {
        /** The line before the last, where a run's outcome line stands. */
        public String tail() {
            return lines.isEmpty() ? "" : lines.get(Math.max(0, lines.size() - 2));
        }

        /** The last three lines joined, for a run that printed no SCALE line. */
        public String lastLines() {
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        }

        /** The SCALE line's figures: {rc, wall_ms, peak_rss_kb, peak_heap_kb}. */
        public Optional<long[]> scale() {
            for (String l : lines) {
                Matcher m = SCALE.matcher(l);
                if (m.find()) {
                    return Optional.of(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                            Long.parseLong(m.group(3)), Long.parseLong(m.group(4))});
                }
            }
            return Optional.empty();
        }
    }

    /** Runs {@code ScaleRun args} in a child JVM with {@code jvmOptions}; kills it after {@code timeout}. */
    public static Output run(Path tmp, List<String> jvmOptions, Duration timeout, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ScaleRun.class.getName());
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(tmp, "child", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return new Output(Files.readAllLines(log), true, -1);
        }
        return new Output(Files.readAllLines(log), false, p.exitValue());
    }
}
