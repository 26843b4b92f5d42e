package dev.limiter.core.shedding;

import java.util.function.ToDoubleFunction;

import org.junit.jupiter.api.Test;

import dev.limiter.core.shedding.QueueSimulation.WaitQueue;
import dev.limiter.core.shedding.QueueStudy.Backend;
import dev.limiter.core.shedding.QueueStudy.Run;
import dev.limiter.core.shedding.QueueStudy.Variant;

import static dev.limiter.core.shedding.QueueStudy.CPU;
import static dev.limiter.core.shedding.QueueStudy.POOL;
import static dev.limiter.core.shedding.QueueStudy.end;
import static dev.limiter.core.shedding.QueueStudy.start;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The findings of docs/benchmarks/adaptive/queue-study.md, kept from rotting: each compares means over five seeds of
 * {@link QueueStudy}'s runs (steps of 20 s at 0.5, 1, 3 and 10 x capacity), with margins well inside what the study's
 * 20 seeds show. Step indexes: 1 is 1 x, 2 is 3 x, 3 is 10 x.
 */
class QueueStudyTest {

	private static final int SEEDS = 5;

	private static final Variant NONE = Variant.adaptive("none", null);

	@Test
	void aLifoQueueLetsAStaticCapAtTheCoresKeepThemBusy() {
		Variant cap = Variant.cap(2, "", null);
		Variant queued = Variant.cap(2, " + LIFO", (base) -> WaitQueue.lifo(() -> 2 * base.getAsDouble()));
		// study: 84 % -> 100 % at 3 x, 60 % -> 83 % at 1 x: a freed slot no longer idles until the next arrival
		assertThat(mean(CPU, cap, (run) -> run.goodput(2, QueueStudy.goodBound(CPU)))).isLessThan(0.88);
		assertThat(mean(CPU, queued, (run) -> run.goodput(2, QueueStudy.goodBound(CPU)))).isGreaterThan(0.96);
		assertThat(mean(CPU, queued, (run) -> run.goodput(1, QueueStudy.goodBound(CPU))))
			.isGreaterThan(mean(CPU, cap, (run) -> run.goodput(1, QueueStudy.goodBound(CPU))) + 0.15);
	}

	@Test
	void onCpuCoresALifoQueueLowersTheAdaptiveLimitAndItsLatencyAndRaisesGoodput() {
		Variant lifo = Variant.adaptive("lifo", WaitQueue::lifo);
		// study: 94 % -> 96 % at 3 x, 97 % -> 98 % at 10 x, p99 1.94 -> 1.85 x unloaded at 10 x, limit 4.0 -> 3.5
		assertThat(mean(CPU, lifo, (run) -> run.goodput(2, QueueStudy.goodBound(CPU))))
			.isGreaterThan(mean(CPU, NONE, (run) -> run.goodput(2, QueueStudy.goodBound(CPU))) + 0.01);
		assertThat(mean(CPU, lifo, (run) -> run.goodput(3, QueueStudy.goodBound(CPU))))
			.isGreaterThan(mean(CPU, NONE, (run) -> run.goodput(3, QueueStudy.goodBound(CPU))));
		assertThat(mean(CPU, lifo, (run) -> run.simulation().p99(start(3), end(3))))
			.isLessThan(mean(CPU, NONE, (run) -> run.simulation().p99(start(3), end(3))));
		assertThat(mean(CPU, lifo, (run) -> run.simulation().meanLimit(start(2), end(3))))
			.isLessThan(mean(CPU, NONE, (run) -> run.simulation().meanLimit(start(2), end(3))) - 0.3);
	}

	@Test
	void fifoWaitsAddLatencyAndCostGoodputThatLifoWaitsDoNot() {
		Variant lifo = Variant.adaptive("lifo", (base) -> WaitQueue.lifo(() -> 2 * base.getAsDouble()));
		Variant fifo = Variant.adaptive("fifo", (base) -> WaitQueue.fifo(() -> 2 * base.getAsDouble()));
		// study: p99 2.12 (LIFO) against 2.73 (FIFO) x unloaded at 3 x, goodput 96 % against 90 %
		assertThat(mean(CPU, fifo, (run) -> run.simulation().p99(start(2), end(2))))
			.isGreaterThan(1.15 * mean(CPU, lifo, (run) -> run.simulation().p99(start(2), end(2))));
		assertThat(mean(CPU, fifo, (run) -> run.goodput(2, QueueStudy.goodBound(CPU))))
			.isLessThan(mean(CPU, lifo, (run) -> run.goodput(2, QueueStudy.goodBound(CPU))) - 0.03);
	}

	@Test
	void aCodelQueueCostsTheAdaptiveLimiterLittleOnAPool() {
		Variant codel = Variant.adaptive("codel", (base) -> WaitQueue.codel(() -> 0.1, () -> 0.005, 0.1));
		// study: 88/98/94 % without, 91/98/97 % with, at 1/3/10 x; seeds 1-5 alone: 100 % against 98 % at 3 x
		for (int step = 1; step <= 3; step++) {
			int index = step;
			assertThat(mean(POOL, codel, (run) -> run.goodput(index, QueueStudy.goodBound(POOL)))).as("step %d", step)
				.isGreaterThan(mean(POOL, NONE, (run) -> run.goodput(index, QueueStudy.goodBound(POOL))) - 0.04);
		}
	}

	@Test
	void sheddableCallsRefusedBelowTheLimitLeaveItToCriticalOnes() {
		Variant priorities = Variant.adaptive("0.8", null).priorities(0.8, false);
		// study: critical calls get 75 % of capacity at 3 x instead of their half (49 %), the total stays
		assertThat(mean(POOL, priorities, (run) -> critical(run, QueueStudy.goodBound(POOL)))).isGreaterThan(0.65);
		assertThat(mean(POOL, NONE, (run) -> run.goodput(2, QueueStudy.goodBound(POOL)) / 2)).isLessThan(0.55);
		assertThat(mean(POOL, priorities, (run) -> run.goodput(2, QueueStudy.goodBound(POOL))))
			.isGreaterThan(mean(POOL, NONE, (run) -> run.goodput(2, QueueStudy.goodBound(POOL))) - 0.03);
	}

	@Test
	void atTheSmallLimitsOfCpuCoresAFractionOfTheLimitReservesNothingUnlessOneSlotIsKept() {
		Variant fraction = Variant.adaptive("0.9", null).priorities(0.9, false);
		Variant reserved = Variant.adaptive("0.9, one kept", null).priorities(0.9, true);
		// study: at limits of 3 to 5, 0.9 x the limit rounds up to the limit: critical 48 %; keeping one slot: 71 %
		assertThat(mean(CPU, fraction, (run) -> critical(run, QueueStudy.goodBound(CPU)))).isLessThan(0.55);
		assertThat(mean(CPU, reserved, (run) -> critical(run, QueueStudy.goodBound(CPU)))).isGreaterThan(0.62);
	}

	/** Critical goodput at 3 x, as a fraction of capacity. */
	private static double critical(Run run, double bound) {
		return run.simulation().criticalGoodput(start(2), end(2), bound) / run.capacity();
	}

	private static double mean(Backend backend, Variant variant, ToDoubleFunction<Run> measure) {
		double sum = 0;
		for (long seed = 1; seed <= SEEDS; seed++) {
			sum += measure.applyAsDouble(QueueStudy.run(backend, variant, seed));
		}
		return sum / SEEDS;
	}

}
