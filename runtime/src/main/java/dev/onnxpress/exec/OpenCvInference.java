package dev.onnxpress.exec;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.proto.Onnx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.dnn.Dnn;
import org.opencv.dnn.Net;

/**
 * OpenCV's DNN module ({@code cv::dnn::readNetFromONNX}): an ONNX importer independent of ONNX Runtime,
 * with its own kernels, run on the CPU backend. Inputs and outputs are named as in the ONNX graph (read
 * through ONNX Runtime, which must load the model too: the reference runs there). Float inputs only;
 * an output whose element count matches the graph's declared static shape takes that shape (OpenCV
 * reports some outputs with other ranks).
 *
 * <p>Only this class and {@link OpenCvNatives} touch OpenCV classes, so the OpenCV jar is needed only
 * when a run verifies on OpenCV.
 */
public final class OpenCvInference implements InferenceRuntime {
    public static final String NAME = "opencv";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "OpenCV DNN " + OpenCvNatives.load();
    }

    @Override
    public ModelSession open(byte[] model) {
        OpenCvNatives.load();
        List<IoInfo> inputs;
        List<IoInfo> outputs;
        try (OrtRunner r = OrtRunner.open(model)) {
            inputs = r.inputs();
            outputs = r.outputs();
        }
        for (IoInfo in : inputs) {
            if (in.type() != DataType.FLOAT) {
                throw new RuntimeRejection("OpenCV", "feed", "input '" + in.name() + "' is " + in.describe()
                        + "; the OpenCV runner feeds float inputs only");
            }
        }
        Net net;
        MatOfByte buf = new MatOfByte(model);
        try {
            net = Dnn.readNetFromONNX(buf);
        } catch (RuntimeException e) {
            throw new RuntimeRejection("OpenCV", "load", failingNode(model).map(n -> n + ": ").orElse("")
                    + cvMessage(e));
        } finally {
            buf.release();
        }
        net.setPreferableBackend(Dnn.DNN_BACKEND_OPENCV);
        net.setPreferableTarget(Dnn.DNN_TARGET_CPU);
        return new Session(net, inputs, outputs);
    }

    /**
     * The first node OpenCV's importer rejects, as "node 'name' (Op)": OpenCV logs it but its exception
     * does not say, so prefixes of the graph (ONNX nodes are in topological order) are imported in a
     * binary search for the shortest one that fails. Empty when every prefix imports (the failure is
     * then in the graph as a whole) or the model cannot be parsed.
     */
    static java.util.Optional<String> failingNode(byte[] model) {
        Onnx.ModelProto proto;
        try {
            proto = Onnx.ModelProto.parseFrom(model);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return java.util.Optional.empty();
        }
        List<Onnx.NodeProto> nodes = proto.getGraph().getNodeList();
        // prefixes end at computing nodes: OpenCV also rejects a graph whose output is a bare Constant
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!nodes.get(i).getOpType().equals("Constant")) {
                ends.add(i + 1);
            }
        }
        int lo = 0;
        int hi = ends.size() - 1;
        if (hi < 0 || imports(prefix(proto, ends.get(hi)))) {
            return java.util.Optional.empty();
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (imports(prefix(proto, ends.get(mid)))) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Onnx.NodeProto n = nodes.get(ends.get(hi) - 1);
        return java.util.Optional.of("node '" + n.getName() + "' (" + n.getOpType() + ")");
    }

    private static byte[] prefix(Onnx.ModelProto proto, int count) {
        Onnx.GraphProto g = proto.getGraph();
        Onnx.NodeProto last = g.getNode(count - 1);
        Onnx.GraphProto.Builder b = g.toBuilder().clearNode().addAllNode(g.getNodeList().subList(0, count))
                .clearOutput();
        // OpenCV asserts that graph outputs have a type and a shape: the recorded ones, else float, no dims
        java.util.Map<String, Onnx.ValueInfoProto> known = new java.util.HashMap<>();
        g.getValueInfoList().forEach(v -> known.put(v.getName(), v));
        g.getOutputList().forEach(v -> known.put(v.getName(), v));
        for (String out : last.getOutputList()) {
            if (!out.isEmpty()) {
                Onnx.ValueInfoProto v = known.get(out);
                b.addOutput(v != null && v.hasType() ? v : Onnx.ValueInfoProto.newBuilder().setName(out)
                        .setType(Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                                .setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                                .setShape(Onnx.TensorShapeProto.newBuilder()))).build());
            }
        }
        return proto.toBuilder().setGraph(b).build().toByteArray();
    }

    private static boolean imports(byte[] model) {
        MatOfByte buf = new MatOfByte(model);
        try {
            Dnn.readNetFromONNX(buf);
            return true;
        } catch (RuntimeException e) {
            return false;
        } finally {
            buf.release();
        }
    }

    /** "onnx_importer.cpp:1053: error: (-2:Unspecified error) in function 'handleNode'" without the build path. */
    static String cvMessage(RuntimeException e) {
        String line = RuntimeRejection.firstLine(e.getMessage());
        line = line.replaceFirst("^cv::Exception: ", "");
        return line.replaceFirst("OpenCV\\(([0-9.]+)\\) \\S*/modules/\\S*/", "").replace(" error: ", " ");
    }

    private static final class Session implements ModelSession {
        private final Net net;
        private final List<IoInfo> inputs;
        private final List<IoInfo> outputs;

        Session(Net net, List<IoInfo> inputs, List<IoInfo> outputs) {
            this.net = net;
            this.inputs = List.copyOf(inputs);
            this.outputs = List.copyOf(outputs);
        }

        @Override
        public String runtime() {
            return NAME;
        }

        @Override
        public List<IoInfo> inputs() {
            return inputs;
        }

        @Override
        public List<IoInfo> outputs() {
            return outputs;
        }

        @Override
        public synchronized Map<String, Tensor> run(Map<String, Tensor> feeds) {
            List<Mat> blobs = new ArrayList<>();
            List<Mat> results = new ArrayList<>();
            try {
                for (IoInfo in : inputs) {
                    Tensor t = feeds.get(in.name());
                    if (t == null) {
                        throw new UserException("no value for model input '" + in.name() + "'");
                    }
                    Mat m = toMat(t);
                    blobs.add(m);
                    net.setInput(m, in.name());
                }
                List<String> names = outputs.stream().map(IoInfo::name).toList();
                try {
                    net.forward(results, names);
                } catch (RuntimeException e) {
                    throw new RuntimeRejection("OpenCV", "run", cvMessage(e));
                }
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (int i = 0; i < outputs.size(); i++) {
                    out.put(outputs.get(i).name(), toTensor(results.get(i), outputs.get(i), feeds));
                }
                return out;
            } finally {
                blobs.forEach(Mat::release);
                results.forEach(Mat::release);
            }
        }

        @Override
        public void close() {
            // Net has no explicit release in the Java binding; its native object goes with the finalizer
        }
    }

    private static Mat toMat(Tensor t) {
        int[] dims = new int[Math.max(1, t.rank())];
        for (int i = 0; i < t.rank(); i++) {
            dims[i] = Math.toIntExact(t.dim(i));
        }
        if (t.rank() == 0) {
            dims[0] = 1;
        }
        Mat m = new Mat(dims, CvType.CV_32F);
        float[] data = t.toFloatArray();
        if (data.length > 0) {
            m.put(new int[dims.length], data);
        }
        return m;
    }

    private static Tensor toTensor(Mat m, IoInfo info, Map<String, Tensor> feeds) {
        Mat f = m;
        boolean converted = false;
        if (m.depth() != CvType.CV_32F) {
            f = new Mat();
            m.convertTo(f, CvType.CV_32F);
            converted = true;
        }
        try {
            int rank = f.dims();
            long[] dims = new long[rank];
            long count = 1;
            int[] sizes = new int[rank];
            for (int i = 0; i < rank; i++) {
                sizes[i] = f.size(i);
                dims[i] = sizes[i];
                count *= sizes[i];
            }
            float[] data = new float[Math.toIntExact(count)];
            if (count > 0) {
                Mat c = f.isContinuous() ? f : f.clone();
                c.get(new int[rank], data);
                if (c != f) {
                    c.release();
                }
            }
            long[] declared = info.shape();
            if (info.isStatic() && Tensor.elementCount(declared) == count) {
                dims = declared;
            }
            return Tensor.ofFloats(dims, data);
        } finally {
            if (converted) {
                f.release();
            }
        }
    }
}
