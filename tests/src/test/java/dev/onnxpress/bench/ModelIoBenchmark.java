package dev.onnxpress.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.proto.Onnx;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read + write of a ~1 GB model through the IR, against plain protobuf parse + serialize of the same
 * bytes, in one run. Reports the time ratio (ours / plain) and the peak heap of each relative to the
 * file size. Not a test: run it by name (see README). No timing is asserted.
 */
class ModelIoBenchmark {
    private static final int TENSORS = 8;
    private static final int BYTES_PER_TENSOR = 128 << 20; // 8 × 128 MiB = 1 GiB
    private static final int ROUNDS = 3;

    @TempDir
    Path tmp;

    @Test
    void readWriteAgainstPlainProtobuf() throws Exception {
        Path model = tmp.resolve("big.onnx");
        writeModel(model);
        long size = Files.size(model);
        List<Double> plain = new ArrayList<>();
        List<Double> ours = new ArrayList<>();
        long plainPeak = 0;
        long oursPeak = 0;
        for (int r = 0; r < ROUNDS; r++) {
            Measured p = measure(() -> {
                byte[] bytes = Files.readAllBytes(model);
                Onnx.ModelProto mp = Onnx.ModelProto.parseFrom(bytes);
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp.resolve("plain.onnx")),
                        1 << 20)) {
                    CodedOutputStream cos = CodedOutputStream.newInstance(os, 1 << 16);
                    mp.writeTo(cos);
                    cos.flush();
                }
            });
            Measured o = measure(() -> {
                Model m = ModelReader.read(model);
                ModelWriter.write(m, tmp.resolve("ours.onnx"));
            });
            plain.add(p.seconds);
            ours.add(o.seconds);
            plainPeak = Math.max(plainPeak, p.peakHeap);
            oursPeak = Math.max(oursPeak, o.peakHeap);
        }
        if (Files.mismatch(tmp.resolve("plain.onnx"), tmp.resolve("ours.onnx")) != -1) {
            throw new AssertionError("IR round trip wrote different bytes than protobuf");
        }
        double p = median(plain);
        double o = median(ours);
        System.out.printf(Locale.ROOT, "%n| model size | plain protobuf read+write | IR read+write | ratio | plain peak heap"
                + " | IR peak heap |%n|---|---|---|---|---|---|%n| %.2f GB | %.2f s | %.2f s | %.2f | %.2f× | %.2f× |%n",
                size / 1e9, p, o, o / p, plainPeak / (double) size, oursPeak / (double) size);
    }

    private static void writeModel(Path path) throws Exception {
        Random r = new Random(3);
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName("io");
        g.addInput(Onnx.ValueInfoProto.newBuilder().setName("x").setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(1).setShape(Onnx.TensorShapeProto.newBuilder()
                        .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(1))))));
        String prev = "x";
        for (int t = 0; t < TENSORS; t++) {
            byte[] data = new byte[BYTES_PER_TENSOR];
            r.nextBytes(data);
            g.addInitializer(Onnx.TensorProto.newBuilder().setName("w" + t).setDataType(1)
                    .addDims(BYTES_PER_TENSOR / 4).setRawData(ByteString.copyFrom(data)));
            g.addNode(Onnx.NodeProto.newBuilder().setOpType("Identity").addInput(prev).addOutput("y" + t));
            prev = "y" + t;
        }
        g.addOutput(Onnx.ValueInfoProto.newBuilder().setName(prev));
        Onnx.ModelProto m = Onnx.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(13)).build();
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            m.writeTo(os);
        }
    }

    private interface Work {
        void run() throws Exception;
    }

    private record Measured(double seconds, long peakHeap) {
    }

    /** Wall time and the peak heap above what was live before, sampled every millisecond. */
    private static Measured measure(Work w) throws Exception {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = mem.getHeapMemoryUsage().getUsed();
        AtomicLong peak = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed() - before, Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long t0 = System.nanoTime();
        w.run();
        double s = (System.nanoTime() - t0) / 1e9;
        sampler.interrupt();
        sampler.join();
        return new Measured(s, peak.get());
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }
}
