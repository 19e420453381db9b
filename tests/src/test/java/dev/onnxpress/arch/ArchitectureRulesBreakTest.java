package dev.onnxpress.arch;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import dev.onnxpress.archcyclea.A;
import dev.onnxpress.archcycleb.B;
import dev.onnxpress.archfixture.mutation.FakeGraph;
import dev.onnxpress.archfixture.mutation.Mutator;
import dev.onnxpress.archfixture.mutation.Reader;
import dev.onnxpress.dsl.archfixture.DslUsingTheIr;
import dev.onnxpress.ir.archfixture.IrUsingAPass;
import dev.onnxpress.passes.archfixture.FamilyUsingAnotherFamily;
import dev.onnxpress.passes.archfixture.PassUsingThePipeline;
import dev.onnxpress.passes.core.archfixture.ToolkitUsingAFamily;
import dev.onnxpress.passes.fold.ChannelAffine;
import dev.onnxpress.pipeline.archfixture.PipelineUsingAFamily;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each rule of {@link ArchitectureTest} fails on a small class (test sources only) that breaks it, so a
 * rule that checks nothing (a package renamed, a predicate that matches no call) shows here.
 */
class ArchitectureRulesBreakTest {

    private static JavaClasses classes(Class<?>... cs) {
        return new ClassFileImporter().importClasses(cs);
    }

    private static void breaks(ArchRule rule, Class<?>... cs) {
        assertThatThrownBy(() -> rule.check(classes(cs))).isInstanceOf(AssertionError.class)
                .hasMessageContaining(cs[0].getSimpleName());
    }

    @Test
    void runtimeUsingAPassBreaksTheModuleDirection() {
        breaks(ArchitectureTest.runtimeDependsOnNoOtherModule, IrUsingAPass.class);
    }

    @Test
    void aPassUsingThePipelineBreaksTheModuleDirection() {
        breaks(ArchitectureTest.passesDependOnNeitherTheRecipeLanguageNorTheCompiler, PassUsingThePipeline.class);
    }

    @Test
    void theRecipeLanguageUsingTheIrBreaksItsIndependence() {
        breaks(ArchitectureTest.recipeLanguageStandsAlone, DslUsingTheIr.class);
    }

    @Test
    void aFamilyUsingAnotherFamilyBreaksTheFamilyRule() {
        breaks(ArchitectureTest.aPassFamilyUsesNoOtherFamily, FamilyUsingAnotherFamily.class, ChannelAffine.class);
    }

    @Test
    void theToolkitUsingAFamilyBreaksTheToolkitRule() {
        breaks(ArchitectureTest.theToolkitUsesNoPassFamily, ToolkitUsingAFamily.class);
    }

    @Test
    void thePipelineUsingAFamilyBreaksThePipelineRule() {
        breaks(ArchitectureTest.thePipelineUsesNoPassFamily, PipelineUsingAFamily.class);
    }

    @Test
    void aMutatorCalledOutsideTheIrBreaksTheRewriterRuleAndAReadDoesNot() {
        ArchRule rule = ArchitectureTest.onlyTheIrChangesTheGraph(Set.of(FakeGraph.class.getName()));
        breaks(rule, Mutator.class, FakeGraph.class);
        assertThatCode(() -> rule.check(classes(Reader.class, FakeGraph.class))).doesNotThrowAnyException();
    }

    @Test
    void twoTopLevelPackagesUsingEachOtherBreakTheCycleRule() {
        breaks(ArchitectureTest.topLevelPackagesAreFreeOfCycles, A.class, B.class);
    }
}
