package dev.onnxpress.archcycleb;

/** See archcyclea.A. */
public class B {
    public dev.onnxpress.archcyclea.A a;
}
