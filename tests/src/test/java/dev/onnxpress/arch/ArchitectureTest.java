package dev.onnxpress.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and package rules of the code base, checked on the main classes of every module: module
 * directions (runtime ← passes ← compiler, dsl ← compiler), pass families that use only the toolkit, and the
 * IR changed only through its Rewriter.
 */
class ArchitectureTest {

    private static final String[] RUNTIME = {
        "dev.onnxpress.analysis..", "dev.onnxpress.error..", "dev.onnxpress.ir..", "dev.onnxpress.ort..",
        "dev.onnxpress.pack..", "dev.onnxpress.runtime..", "dev.onnxpress.proto..", "dev.onnxpress.exec.."};
    private static final String[] PASSES = {"dev.onnxpress.passes.."};
    private static final String[] DSL = {"dev.onnxpress.dsl.."};
    private static final String[] COMPILER = {
        "dev.onnxpress.bind..", "dev.onnxpress.cli..", "dev.onnxpress.data..", "dev.onnxpress.pipeline..",
        "dev.onnxpress.report..", "dev.onnxpress.tune.."};
    /** Packages every pass family may use besides the IR, the runtime and the pass API. */
    private static final String[] TOOLKIT = {"dev.onnxpress.passes.core..", "dev.onnxpress.passes.rewrite.."};

    private static JavaClasses main;

    /** Main classes only: test directories, test jars and the test-support package are left out. */
    private static final class MainClassesOnly implements ImportOption {
        private static final Pattern TEST = Pattern.compile(".*(/test-classes/|-tests\\.jar|/dev/onnxpress/testing/).*");

        @Override
        public boolean includes(Location location) {
            return !location.matches(TEST);
        }
    }

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(new MainClassesOnly()).importPackages("dev.onnxpress");
    }

    @Test
    void everyModuleIsImported() {
        for (String pkg : new String[] {"dev.onnxpress.ir", "dev.onnxpress.passes", "dev.onnxpress.dsl",
            "dev.onnxpress.pipeline", "dev.onnxpress.passes.core"}) {
            if (!main.containPackage(pkg)) {
                throw new AssertionError("no main classes found in " + pkg + ": the rules below would check nothing");
            }
        }
    }

    @Test
    void runtimeDependsOnNoOtherModule() {
        rule(noClasses().that().resideInAnyPackage(RUNTIME)
                .should().dependOnClassesThat().resideInAnyPackage(concat(PASSES, DSL, COMPILER)));
    }

    @Test
    void passesDependOnNeitherTheRecipeLanguageNorTheCompiler() {
        rule(noClasses().that().resideInAnyPackage(PASSES)
                .should().dependOnClassesThat().resideInAnyPackage(concat(DSL, COMPILER)));
    }

    @Test
    void recipeLanguageStandsAlone() {
        rule(noClasses().that().resideInAnyPackage(DSL)
                .should().dependOnClassesThat().resideInAnyPackage(concat(RUNTIME, PASSES, COMPILER)));
    }

    @Test
    void aPassFamilyUsesNoOtherFamily() {
        rule(slices().matching("dev.onnxpress.passes.(*)..").namingSlices("pass family $1")
                .should().notDependOnEachOther()
                .ignoreDependency(DescribedPredicate.alwaysTrue(), inToolkit()));
    }

    @Test
    void theToolkitUsesNoPassFamily() {
        rule(noClasses().that().resideInAnyPackage(TOOLKIT)
                .should().dependOnClassesThat(inAFamily()));
    }

    /** The pipeline runs passes through the pass API only: what several need lives in the toolkit. */
    @Test
    void thePipelineUsesNoPassFamily() {
        rule(noClasses().that().resideInAnyPackage("dev.onnxpress.pipeline..", "dev.onnxpress.report..",
                "dev.onnxpress.data..").should().dependOnClassesThat(inAFamily()));
    }

    @Test
    void onlyTheIrChangesTheGraph() {
        rule(noClasses().that().resideOutsideOfPackage("dev.onnxpress.ir..")
                .should().callMethodWhere(mutatorOfIr()));
    }

    /** Between top-level packages (ir, ort, passes, pipeline, report, …); inside passes the registry names every pass. */
    @Test
    void topLevelPackagesAreFreeOfCycles() {
        rule(slices().matching("dev.onnxpress.(*)..").should().beFreeOfCycles());
    }

    private static void rule(ArchRule rule) {
        rule.check(main);
    }

    private static DescribedPredicate<JavaClass> inToolkit() {
        return DescribedPredicate.describe("in the pass toolkit",
                c -> c.getPackageName().startsWith("dev.onnxpress.passes.core")
                        || c.getPackageName().startsWith("dev.onnxpress.passes.rewrite"));
    }

    private static DescribedPredicate<JavaClass> inAFamily() {
        return DescribedPredicate.describe("in a pass family", c -> {
            String p = c.getPackageName();
            return p.startsWith("dev.onnxpress.passes.") && !inToolkit().test(c);
        });
    }

    /** A method of Graph, Node, Value or Model whose name says it changes the IR. */
    private static DescribedPredicate<JavaMethodCall> mutatorOfIr() {
        Pattern mutating = Pattern.compile("(set|add|remove|replace|rename|insert|put|clear|mark).*");
        return DescribedPredicate.describe("a mutating method of the IR's Graph, Node, Value or Model", call -> {
            String owner = call.getTargetOwner().getName();
            return (owner.equals("dev.onnxpress.ir.Graph") || owner.equals("dev.onnxpress.ir.Node")
                    || owner.equals("dev.onnxpress.ir.Value") || owner.equals("dev.onnxpress.ir.Model"))
                    && mutating.matcher(call.getName()).matches();
        });
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
