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
        runtimeDependsOnNoOtherModule.check(main);
    }

    @Test
    void passesDependOnNeitherTheRecipeLanguageNorTheCompiler() {
        passesDependOnNeitherTheRecipeLanguageNorTheCompiler.check(main);
    }

    @Test
    void recipeLanguageStandsAlone() {
        recipeLanguageStandsAlone.check(main);
    }

    @Test
    void aPassFamilyUsesNoOtherFamily() {
        aPassFamilyUsesNoOtherFamily.check(main);
    }

    @Test
    void theToolkitUsesNoPassFamily() {
        theToolkitUsesNoPassFamily.check(main);
    }

    @Test
    void thePipelineUsesNoPassFamily() {
        thePipelineUsesNoPassFamily.check(main);
    }

    @Test
    void onlyTheIrChangesTheGraph() {
        onlyTheIrChangesTheGraph(IR_CLASSES).check(main);
    }

    @Test
    void topLevelPackagesAreFreeOfCycles() {
        topLevelPackagesAreFreeOfCycles.check(main);
    }

    // ---------------------------------------------------------------- the rules (ArchitectureRulesBreakTest breaks each)

    static final ArchRule runtimeDependsOnNoOtherModule = noClasses().that().resideInAnyPackage(RUNTIME)
            .should().dependOnClassesThat().resideInAnyPackage(concat(PASSES, DSL, COMPILER));

    static final ArchRule passesDependOnNeitherTheRecipeLanguageNorTheCompiler = noClasses().that()
            .resideInAnyPackage(PASSES).should().dependOnClassesThat().resideInAnyPackage(concat(DSL, COMPILER));

    static final ArchRule recipeLanguageStandsAlone = noClasses().that().resideInAnyPackage(DSL)
            .should().dependOnClassesThat().resideInAnyPackage(concat(RUNTIME, PASSES, COMPILER));

    static final ArchRule aPassFamilyUsesNoOtherFamily = slices().matching("dev.onnxpress.passes.(*)..")
            .namingSlices("pass family $1").should().notDependOnEachOther()
            .ignoreDependency(DescribedPredicate.alwaysTrue(), inToolkit());

    static final ArchRule theToolkitUsesNoPassFamily = noClasses().that().resideInAnyPackage(TOOLKIT)
            .should().dependOnClassesThat(inAFamily());

    /** The pipeline runs passes through the pass API only: what several need lives in the toolkit. */
    static final ArchRule thePipelineUsesNoPassFamily = noClasses().that().resideInAnyPackage(
            "dev.onnxpress.pipeline..", "dev.onnxpress.report..", "dev.onnxpress.data..")
            .should().dependOnClassesThat(inAFamily());

    /** Between top-level packages (ir, ort, passes, pipeline, report, …); inside passes the registry names every pass. */
    static final ArchRule topLevelPackagesAreFreeOfCycles = slices().matching("dev.onnxpress.(*)..")
            .should().beFreeOfCycles();

    /** The IR's classes whose mutating methods only the IR package may call. */
    static final java.util.Set<String> IR_CLASSES = java.util.Set.of("dev.onnxpress.ir.Graph", "dev.onnxpress.ir.Node",
            "dev.onnxpress.ir.Value", "dev.onnxpress.ir.Model");

    /** No class outside the IR package calls a mutating method of {@code irClasses}. */
    static ArchRule onlyTheIrChangesTheGraph(java.util.Set<String> irClasses) {
        return noClasses().that().resideOutsideOfPackage("dev.onnxpress.ir..").should().callMethodWhere(mutatorOf(irClasses));
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

    /** A method of one of {@code irClasses} whose name says it changes the IR. */
    private static DescribedPredicate<JavaMethodCall> mutatorOf(java.util.Set<String> irClasses) {
        Pattern mutating = Pattern.compile("(set|add|remove|replace|rename|insert|put|clear|mark|sort).*");
        return DescribedPredicate.describe("a mutating method of " + irClasses, call ->
                irClasses.contains(call.getTargetOwner().getName()) && mutating.matcher(call.getName()).matches());
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
