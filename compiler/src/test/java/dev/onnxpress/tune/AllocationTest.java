package dev.onnxpress.tune;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllocationTest {
    static Allocation.Level l(double value, double gain, double loss) {
        return new Allocation.Level(value + "", value, gain, loss);
    }

    static Map<String, List<Allocation.Level>> ladders() {
        Map<String, List<Allocation.Level>> m = new LinkedHashMap<>();
        // a: big and cheap at first, dear later; b: small and cheap; c: big but dear from the start
        m.put("a", List.of(l(0.5, 100, 0.1), l(0.7, 150, 0.2), l(0.9, 180, 1.5)));
        m.put("b", List.of(l(0.5, 10, 0.01), l(0.7, 14, 0.02)));
        m.put("c", List.of(l(0.5, 100, 2.0)));
        return m;
    }

    @Test
    void greedyTakesTheMostGainPerLossWithinTheLimit() {
        Allocation a = new Allocation(ladders(), 0.01);
        a.allocate(0.5);
        Map<String, Allocation.Level> c = a.choice();
        assertThat(c.keySet()).containsExactly("a", "b");
        assertThat(c.get("a").value()).isEqualTo(0.7);
        assertThat(c.get("b").value()).isEqualTo(0.7);
        assertThat(a.estimatedLoss()).isLessThanOrEqualTo(0.5);
        assertThat(a.estimatedGain()).isEqualTo(164);
        // a larger limit lets the dear levels in too
        Allocation big = new Allocation(ladders(), 0.01);
        big.allocate(10);
        assertThat(big.choice().get("a").value()).isEqualTo(0.9);
        assertThat(big.choice()).containsKey("c");
        // nothing fits a zero limit
        Allocation none = new Allocation(ladders(), 0.01);
        assertThat(none.allocate(0)).isZero();
        assertThat(none.choice()).isEmpty();
    }

    @Test
    void backOffUndoesTheWorstMoveAndNeverRetakesIt() {
        Allocation a = new Allocation(ladders(), 0.01);
        a.allocate(10);
        // a from 70% to 90% gains 30 for 1.3 of loss: the worst ratio (c gains 100 for 2.0)
        Allocation.Move worst = a.backOff();
        assertThat(worst.layer()).isEqualTo("a");
        assertThat(a.choice().get("a").value()).isEqualTo(0.7);
        assertThat(a.next(10)).isNull();
        Allocation.Move second = a.backOff();
        assertThat(second.layer()).isEqualTo("c");
        assertThat(a.choice()).doesNotContainKey("c");
        while (a.backOff() != null) {
            // undo everything
        }
        assertThat(a.choice()).isEmpty();
        assertThat(a.estimatedLoss()).isZero();
    }

    @Test
    void undoForbidsTheLevelButNotTheOnesBelow() {
        Allocation a = new Allocation(ladders(), 0.01);
        Allocation.Move m = new Allocation.Move("a", -1, 2, 180, 1.5);
        a.apply(m);
        a.undo(m);
        assertThat(a.choice()).isEmpty();
        a.allocate(10);
        assertThat(a.choice().get("a").value()).isEqualTo(0.7);
    }

    @Test
    void noisyLaddersAreMadeMonotoneAndFreeMovesStillCostTheFloor() {
        Map<String, List<Allocation.Level>> m = new LinkedHashMap<>();
        m.put("x", List.of(l(0.5, 10, 0.3), l(0.7, 20, -0.2), l(0.9, 30, 0.4)));
        Allocation a = new Allocation(m, 0.05);
        assertThat(a.ladder("x").get(1).loss()).isEqualTo(0.3);
        assertThat(a.ladder("x").get(0).loss()).isEqualTo(0.3);
        a.allocate(0.35);
        assertThat(a.choice().get("x").value()).isEqualTo(0.7);
        Map<String, List<Allocation.Level>> free = new LinkedHashMap<>();
        free.put("y", List.of(l(0.5, 10, -1)));
        Allocation f = new Allocation(free, 0.05);
        assertThat(f.allocate(0.04)).isZero();
        assertThat(f.allocate(0.05)).isEqualTo(1);
    }

    @Test
    void stepDownLowersTheLayerWhoseLastLevelBuysLeastAndCapsIt() {
        Allocation a = new Allocation(ladders(), 0.01);
        a.set("a", 2);
        a.set("b", 1);
        // a's last level: +30 for +1.3; b's: +4 for +0.01 (ratio 400): a steps down
        assertThat(a.stepDown()).isEqualTo("a");
        assertThat(a.choice().get("a").value()).isEqualTo(0.7);
        assertThat(a.estimatedLoss()).isCloseTo(0.22, org.assertj.core.data.Offset.offset(1e-9));
        // a's 70% now buys 50 for 0.1 (500): b (400) goes next, then the cheap levels
        assertThat(a.stepDown()).isEqualTo("b");
        int n = 0;
        while (a.stepDown() != null) {
            n++;
        }
        assertThat(n).isEqualTo(3);
        assertThat(a.choice()).isEmpty();
        // capped: the greedy never climbs back to a level a step-down left
        a.allocate(10);
        assertThat(a.choice()).doesNotContainKeys("a", "b");
    }
}
