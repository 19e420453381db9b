package dev.onnxpress.passes;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reads {@link PassSpec} and the options type of a pass class once per class. */
final class PassSpecs {
    private static final ClassValue<PassInfo> INFO = new ClassValue<>() {
        @Override
        protected PassInfo computeValue(Class<?> type) {
            PassSpec s = type.getAnnotation(PassSpec.class);
            if (s == null) {
                throw new IllegalStateException(type.getName() + " has no @PassSpec: annotate it or override info()");
            }
            Map<String, String> docs = new LinkedHashMap<>();
            for (Statistic st : s.statistics()) {
                if (docs.put(st.name(), st.doc()) != null) {
                    throw new IllegalStateException(type.getName() + " declares statistic '" + st.name() + "' twice");
                }
            }
            return new PassInfo(s.id(), s.summary(), Set.copyOf(Arrays.asList(s.traits())), docs);
        }
    };

    private static final ClassValue<Class<?>> OPTIONS = new ClassValue<>() {
        @Override
        protected Class<?> computeValue(Class<?> type) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                for (Type t : c.getGenericInterfaces()) {
                    if (t instanceof ParameterizedType pt && pt.getRawType() == Pass.class
                            && pt.getActualTypeArguments()[0] instanceof Class<?> options) {
                        return options;
                    }
                }
            }
            throw new IllegalStateException(type.getName() + " does not name its options record in implements"
                    + " Pass<…>: override optionsType()");
        }
    };

    private PassSpecs() {
    }

    static PassInfo info(Class<?> passClass) {
        return INFO.get(passClass);
    }

    static Class<?> optionsType(Class<?> passClass) {
        return OPTIONS.get(passClass);
    }
}
