package dev.onnxpress.bind;

import dev.onnxpress.dsl.SourceLocation;
import dev.onnxpress.dsl.Value;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a bare word in an argument can refer to: loop variables in scope (with the value of the attempt
 * being bound), the declared data sets, and loop variables of other {@code try} blocks (to explain a
 * variable used outside its block).
 */
record Scope(Map<String, Value> variables, List<String> dataSets, Map<String, SourceLocation> allLoopVariables,
             boolean dataDeclarable) {
    Scope {
        variables = Map.copyOf(variables);
        dataSets = List.copyOf(dataSets);
        allLoopVariables = Map.copyOf(allLoopVariables);
    }

    static Scope empty() {
        return new Scope(Map.of(), List.of(), Map.of(), true);
    }

    Optional<Value> variable(String name) {
        return Optional.ofNullable(variables.get(name));
    }

    Scope with(String variable, Value value) {
        Map<String, Value> vars = new java.util.HashMap<>(variables);
        vars.put(variable, value);
        return new Scope(vars, dataSets, allLoopVariables, dataDeclarable);
    }
}
