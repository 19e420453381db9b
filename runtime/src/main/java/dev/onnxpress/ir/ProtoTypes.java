package dev.onnxpress.ir;

import dev.onnxpress.error.InvalidModelException;
import dev.onnxpress.proto.Onnx;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** TypeProto ⇄ ValueType. */
final class ProtoTypes {
    /** Dimensions past this are taken as corruption, not as a real model. */
    static final long MAX_DIM = 1L << 40;

    private ProtoTypes() {
    }

    static ValueType fromProto(Onnx.TypeProto tp, String valueName) {
        switch (tp.getValueCase()) {
            case TENSOR_TYPE: {
                Onnx.TypeProto.Tensor t = tp.getTensorType();
                return new ValueType.TensorType(elem(t.getElemType()),
                        t.hasShape() ? Optional.of(dims(t.getShape(), valueName)) : Optional.empty());
            }
            case SPARSE_TENSOR_TYPE: {
                Onnx.TypeProto.SparseTensor t = tp.getSparseTensorType();
                return new ValueType.SparseTensorType(elem(t.getElemType()),
                        t.hasShape() ? Optional.of(dims(t.getShape(), valueName)) : Optional.empty());
            }
            case SEQUENCE_TYPE:
                return new ValueType.SequenceType(tp.getSequenceType().hasElemType()
                        ? Optional.of(fromProto(tp.getSequenceType().getElemType(), valueName)) : Optional.empty());
            case MAP_TYPE:
                return new ValueType.MapType(elem(tp.getMapType().getKeyType()), tp.getMapType().hasValueType()
                        ? Optional.of(fromProto(tp.getMapType().getValueType(), valueName)) : Optional.empty());
            case OPTIONAL_TYPE:
                return new ValueType.OptionalType(tp.getOptionalType().hasElemType()
                        ? Optional.of(fromProto(tp.getOptionalType().getElemType(), valueName)) : Optional.empty());
            case OPAQUE_TYPE:
                return new ValueType.OpaqueType(tp.getOpaqueType().getDomain(), tp.getOpaqueType().getName());
            default:
                return new ValueType.Unspecified();
        }
    }

    private static DataType elem(int code) {
        return DataType.fromCode(code).orElse(DataType.UNDEFINED);
    }

    private static List<Dim> dims(Onnx.TensorShapeProto shape, String valueName) {
        List<Dim> out = new ArrayList<>(shape.getDimCount());
        for (Onnx.TensorShapeProto.Dimension d : shape.getDimList()) {
            switch (d.getValueCase()) {
                case DIM_VALUE -> {
                    long v = d.getDimValue();
                    if (v < -1 || v > MAX_DIM) {
                        throw new InvalidModelException("value '" + valueName + "' declares an absurd dimension " + v);
                    }
                    out.add(v == -1 ? Dim.unknown() : Dim.of(v));
                }
                case DIM_PARAM -> out.add(d.getDimParam().isEmpty() ? Dim.unknown() : Dim.of(d.getDimParam()));
                default -> out.add(Dim.unknown());
            }
        }
        return out;
    }

    static Onnx.TypeProto toProto(ValueType type) {
        Onnx.TypeProto.Builder b = Onnx.TypeProto.newBuilder();
        if (type instanceof ValueType.TensorType t) {
            Onnx.TypeProto.Tensor.Builder tb = Onnx.TypeProto.Tensor.newBuilder().setElemType(t.elemType().code());
            t.shape().ifPresent(s -> tb.setShape(shape(s)));
            b.setTensorType(tb);
        } else if (type instanceof ValueType.SparseTensorType t) {
            Onnx.TypeProto.SparseTensor.Builder tb = Onnx.TypeProto.SparseTensor.newBuilder()
                    .setElemType(t.elemType().code());
            t.shape().ifPresent(s -> tb.setShape(shape(s)));
            b.setSparseTensorType(tb);
        } else if (type instanceof ValueType.SequenceType t) {
            Onnx.TypeProto.Sequence.Builder sb = Onnx.TypeProto.Sequence.newBuilder();
            t.elemType().ifPresent(e -> sb.setElemType(toProto(e)));
            b.setSequenceType(sb);
        } else if (type instanceof ValueType.MapType t) {
            Onnx.TypeProto.Map.Builder mb = Onnx.TypeProto.Map.newBuilder().setKeyType(t.keyType().code());
            t.valueType().ifPresent(e -> mb.setValueType(toProto(e)));
            b.setMapType(mb);
        } else if (type instanceof ValueType.OptionalType t) {
            Onnx.TypeProto.Optional.Builder ob = Onnx.TypeProto.Optional.newBuilder();
            t.elemType().ifPresent(e -> ob.setElemType(toProto(e)));
            b.setOptionalType(ob);
        } else if (type instanceof ValueType.OpaqueType t) {
            b.setOpaqueType(Onnx.TypeProto.Opaque.newBuilder().setDomain(t.domain()).setName(t.name()));
        }
        return b.build();
    }

    private static Onnx.TensorShapeProto shape(List<Dim> dims) {
        Onnx.TensorShapeProto.Builder sb = Onnx.TensorShapeProto.newBuilder();
        for (Dim d : dims) {
            Onnx.TensorShapeProto.Dimension.Builder db = Onnx.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Dim.Known k) {
                db.setDimValue(k.size());
            } else if (d instanceof Dim.Symbolic s) {
                db.setDimParam(s.name());
            }
            sb.addDim(db);
        }
        return sb.build();
    }
}
