package dev.onnxpress.dsl;

import java.util.List;

/**
 * Copies of AST nodes with every location set to {@link SourceLocation#UNKNOWN}, to compare
 * recipes by meaning: a printed and re-read recipe equals the original except for positions.
 */
public final class LocationEraser {

    private static final SourceLocation NONE = SourceLocation.UNKNOWN;

    private LocationEraser() {
    }

    public static boolean equalsIgnoringLocation(Recipe a, Recipe b) {
        return erase(a).equals(erase(b));
    }

    public static Recipe erase(Recipe r) {
        return new Recipe(r.name(), r.version(), r.data().stream().map(LocationEraser::erase).toList(),
                r.verify().map(LocationEraser::erase), erase(r.statements()), NONE);
    }

    public static List<Statement> erase(List<Statement> statements) {
        return statements.stream().map(LocationEraser::erase).toList();
    }

    public static DataDecl erase(DataDecl d) {
        return new DataDecl(d.name(), d.kind(), eraseArgs(d.args()), NONE);
    }

    public static VerifyBlock erase(VerifyBlock v) {
        return new VerifyBlock(v.using(), v.runtimes(), v.checks().stream().map(LocationEraser::erase).toList(), NONE);
    }

    public static Statement erase(Statement s) {
        if (s instanceof Statement.Step st) {
            return new Statement.Step(st.name(), eraseArgs(st.args()),
                    st.tolerance().map(t -> new Tolerance(t.checks().stream().map(LocationEraser::erase).toList(), NONE)),
                    NONE);
        }
        if (s instanceof Statement.PipelineDecl p) {
            return new Statement.PipelineDecl(p.name(), erase(p.body()), NONE);
        }
        if (s instanceof Statement.Repeat r) {
            return new Statement.Repeat(r.max(), erase(r.body()), NONE);
        }
        Statement.Try t = (Statement.Try) s;
        return new Statement.Try(t.variable(), t.values().stream().map(LocationEraser::erase).toList(),
                erase(t.body()), NONE);
    }

    public static Check erase(Check c) {
        if (c instanceof Check.MetricCheck m) {
            return new Check.MetricCheck(m.metric(), m.op(), erase(m.bound()), m.ref(), NONE);
        }
        Check.AccuracyCheck a = (Check.AccuracyCheck) c;
        return new Check.AccuracyCheck(erase(a.maxDrop()), a.ref(), NONE);
    }

    private static List<Arg> eraseArgs(List<Arg> args) {
        return args.stream().map(a -> new Arg(a.name(), erase(a.value()), NONE)).toList();
    }

    public static Value erase(Value v) {
        if (v instanceof Value.Num n) {
            return new Value.Num(n.value(), n.text(), NONE);
        }
        if (v instanceof Value.Percent p) {
            return new Value.Percent(p.percent(), p.text(), NONE);
        }
        if (v instanceof Value.Str s) {
            return new Value.Str(s.value(), NONE);
        }
        if (v instanceof Value.Bool b) {
            return new Value.Bool(b.value(), NONE);
        }
        if (v instanceof Value.ListValue l) {
            return new Value.ListValue(l.items().stream().map(LocationEraser::erase).toList(), NONE);
        }
        return erase((SetOperand) v);
    }

    public static SetOperand erase(SetOperand v) {
        if (v instanceof Value.Word w) {
            return new Value.Word(w.text(), NONE);
        }
        if (v instanceof Selector.AllSel) {
            return new Selector.AllSel(NONE);
        }
        if (v instanceof Selector.OpSel o) {
            return new Selector.OpSel(o.pattern(), NONE);
        }
        if (v instanceof Selector.NameSel n) {
            return new Selector.NameSel(n.glob(), NONE);
        }
        if (v instanceof Selector.Union u) {
            return new Selector.Union(erase(u.left()), erase(u.right()), NONE);
        }
        if (v instanceof Selector.Difference d) {
            return new Selector.Difference(erase(d.left()), erase(d.right()), NONE);
        }
        Selector.Intersection i = (Selector.Intersection) v;
        return new Selector.Intersection(erase(i.left()), erase(i.right()), NONE);
    }
}
