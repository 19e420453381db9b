package dev.onnxpress.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.ProtoModels;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real command line in its own JVM, stopped by SIGTERM or SIGINT while it writes a large model: the
 * temporary files it was writing must be gone when it has exited, and the target must not exist.
 */
@DisabledOnOs(OS.WINDOWS)
class TempFileSignalTest {
    /** Large enough that copying it takes far longer than noticing its temporary file. */
    private static final long WEIGHT_BYTES = 768L << 20;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT"})
    void signalMidWriteLeavesNoTemporaryFile(String signal) throws Exception {
        Path in = bigModel();
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Process p = new ProcessBuilder(command("copy", in.toString(), outDir.resolve("copy.onnx").toString(),
                "--external-data")).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean seen = false;
            while (!seen && p.isAlive() && System.nanoTime() < deadline) {
                seen = !temporaryFiles(outDir).isEmpty();
                if (!seen) {
                    Thread.sleep(5);
                }
            }
            assertThat(seen).as("a temporary file appeared while the process ran: "
                    + Files.readString(dir.resolve("log.txt"))).isTrue();
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
            assertThat(kill.waitFor()).isZero();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited after SIG" + signal).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as("killed by the signal, not finished").isNotZero();
        assertThat(temporaryFiles(outDir)).as("temporary files left after SIG" + signal).isEmpty();
        assertThat(outDir.resolve("copy.onnx")).doesNotExist();
    }

    private static List<Path> temporaryFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    /** A model whose one weight lives in a large (sparse, so quick to make) external data file. */
    private Path bigModel() throws IOException {
        Path data = dir.resolve("weights.bin");
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.setLength(WEIGHT_BYTES);
        }
        long n = WEIGHT_BYTES / 4;
        Onnx.TensorProto w = Onnx.TensorProto.newBuilder().setName("w").setDataType(1).addDims(n)
                .setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", "weights.bin"))
                .addExternalData(entry("offset", "0"))
                .addExternalData(entry("length", Long.toString(WEIGHT_BYTES)))
                .build();
        byte[] model = ProtoModels.graph("big")
                .input("x", DataType.FLOAT, n)
                .initializer(w)
                .node("Add", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, n)
                .toBytes();
        return Files.write(dir.resolve("big.onnx"), model);
    }

    private static Onnx.StringStringEntryProto entry(String k, String v) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    /** java -jar the shaded jar when the build made one, else the same main class on this test's class path. */
    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        Path jar = Path.of(System.getProperty("user.dir")).resolveSibling("compiler").resolve("target/onnxpress.jar");
        if (Files.isRegularFile(jar)) {
            cmd.add("-jar");
            cmd.add(jar.toString());
        } else {
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("dev.onnxpress.cli.Main");
        }
        cmd.addAll(List.of(args));
        return cmd;
    }
}
