package dev.limiter.core.shedding;

import org.junit.jupiter.api.Test;

import dev.limiter.core.ManualClock;
import dev.limiter.core.shedding.QueueStudy.Backend;

import static dev.limiter.core.shedding.QueueStudy.CPU;
import static dev.limiter.core.shedding.QueueStudy.POOL;
import static dev.limiter.core.shedding.QueueStudy.end;
import static dev.limiter.core.shedding.QueueStudy.start;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link AdaptiveConcurrencyLimiter#allow(Priority)} learns, in {@link QueueSimulation} (steps of 20 s at 0.5,
 * 1, 3 and 10 x capacity on the study's two backends, means over three seeds): a sheddable refusal counts as the
 * limit binding, so the limit learns from latency whatever the share of sheddable calls, and with half of the calls
 * sheddable most of the capacity goes to the critical ones under overload. Step indexes: 1 is 1 x, 2 is 3 x, 3 is
 * 10 x.
 */
class AdaptiveConcurrencyLimiterPriorityTest {

	private static final int SEEDS = 3;

	private static final double[] STEPS = { 0.5, 1, 3, 10 };

	/**
	 * Had sheddable refusals not counted, nothing would bind with sheddable traffic alone: the limit stayed at its
	 * initial 20 and the cores served 5 % / 3 % of their capacity within the bound at 3 / 10 x (measured).
	 */
	@Test
	void withOnlySheddableCallsTheLimitLearnsAsWithCriticalOnes() {
		for (Backend backend : new Backend[] { CPU, POOL }) {
			double bound = QueueStudy.goodBound(backend);
			Mean critical = run(backend, 1.0, bound);
			Mean sheddable = run(backend, 0.0, bound);
			// cpu: limit 4.1 -> 5.1 at 3-10 x, pool 5.9 -> 7.1: the sheddable share, not the limit, sits where
			// latency is tolerated; the limit stays far below its initial 20
			assertThat(sheddable.limit).isBetween(critical.limit, critical.limit + 2);
			for (int step = 1; step <= 3; step++) {
				assertThat(sheddable.goodput[step]).isGreaterThan(critical.goodput[step] - 0.05);
			}
			assertThat(sheddable.p99).isLessThan(1.1 * critical.p99);
		}
	}

	@Test
	void withHalfOfTheCallsSheddableMostOfTheCapacityGoesToCriticalOnesUnderOverload() {
		for (Backend backend : new Backend[] { CPU, POOL }) {
			double bound = QueueStudy.goodBound(backend);
			Mean all = run(backend, 1.0, bound);
			Mean half = run(backend, 0.5, bound);
			// measured: cpu critical 72 / 86 % at 3 / 10 x, pool 72 / 85 % (half of the calls: 50 % without)
			assertThat(half.criticalGoodput[2]).isGreaterThan(0.65);
			assertThat(half.criticalGoodput[3]).isGreaterThan(0.75);
			for (int step = 1; step <= 3; step++) {
				assertThat(half.goodput[step]).isGreaterThan(all.goodput[step] - 0.05);
			}
			assertThat(half.limit).isLessThan(all.limit + 1.5);
		}
	}

	private static Mean run(Backend backend, double criticalShare, double bound) {
		Mean mean = new Mean();
		for (long seed = 1; seed <= SEEDS; seed++) {
			ManualClock clock = new ManualClock();
			AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter.builder().clock(clock).build();
			double capacity = backend.capacity();
			QueueSimulation simulation = backend.simulation(clock, limiter, seed)
				.arrivals((t) -> STEPS[Math.min(STEPS.length - 1, (int) (t / 20))] * capacity)
				.priorityShare(criticalShare)
				.run(STEPS.length * 20);
			for (int step = 1; step <= 3; step++) {
				mean.goodput[step] += simulation.goodput(start(step), end(step), bound) / capacity / SEEDS;
				mean.criticalGoodput[step] += simulation.criticalGoodput(start(step), end(step), bound) / capacity
						/ SEEDS;
			}
			mean.limit += simulation.meanLimit(start(2), end(3)) / SEEDS;
			mean.p99 += simulation.p99(start(2), end(3)) / SEEDS;
			assertThat(simulation.maxInFlightOverLimit()).isLessThanOrEqualTo(0);
		}
		return mean;
	}

	/** Means over the seeds of one variant. */
	private static final class Mean {

		final double[] goodput = new double[4];

		final double[] criticalGoodput = new double[4];

		double limit;

		double p99;

	}

}
