package dev.onnxpress.archcyclea;

/** With archcycleb.B, breaks "top-level packages are free of cycles" once imported as dev.onnxpress.* slices. */
public class A {
    public dev.onnxpress.archcycleb.B b;
}
