package dev.onnxpress.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} with every model version handed to ONNX Runtime as a file and every output spilled (thresholds
 * lowered by system properties), in its own JVM with its own temporary folder, stopped by SIGTERM while a
 * step's model folder exists: when it has exited, no {@code onnxpress-*} scratch folder is left.
 */
@DisabledOnOs(OS.WINDOWS)
class ScratchFolderSignalIT {
    @TempDir
    Path dir;

    @Test
    void sigtermMidRunLeavesNoScratchFolder() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Djava.io.tmpdir=" + tmp, "-Donnxpress.pathModeBytes=1", "-Donnxpress.spillBytes=64"));
        Path jar = Path.of(System.getProperty("user.dir")).resolveSibling("compiler").resolve("target/onnxpress.jar");
        if (Files.isRegularFile(jar)) {
            cmd.addAll(List.of("-jar", jar.toString()));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.onnxpress.cli.Main"));
        }
        StringBuilder recipe = new StringBuilder("recipe \"s\" version 1\ndata probes = random(count=64, seed=1)\n"
                + "verify using probes { cosine >= -1 }\n");
        for (int i = 1; i <= 40; i++) {
            recipe.append("prune_magnitude(sparsity=").append(i).append("%)\n");
        }
        Path r = Files.writeString(dir.resolve("s.recipe"), recipe);
        cmd.addAll(List.of("run", r.toString(), "-i", SharedFiles.model("lenet5_fashion").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            boolean seen = false;
            while (!seen && p.isAlive() && System.nanoTime() < deadline) {
                seen = scratch(tmp).stream().anyMatch(s -> s.startsWith("onnxpress-model-"));
                if (!seen) {
                    Thread.sleep(5);
                }
            }
            assertThat(seen).as("a step's model folder appeared while the run went on: "
                    + Files.readString(dir.resolve("log.txt"))).isTrue();
            assertThat(scratch(tmp)).as("outputs spilled too").anyMatch(s -> s.startsWith("onnxpress-outputs-"));
            Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start();
            assertThat(kill.waitFor()).isZero();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as("stopped by the signal, not finished").isNotZero();
        assertThat(scratch(tmp)).as("scratch folders left after SIGTERM").isEmpty();
    }

    private static List<String> scratch(Path tmp) throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("onnxpress-")).toList();
        }
    }
}
