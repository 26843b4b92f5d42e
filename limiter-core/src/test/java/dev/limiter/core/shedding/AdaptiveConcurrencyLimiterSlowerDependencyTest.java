package dev.limiter.core.shedding;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.limiter.core.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A dependency twice as slow, plenty of servers (nothing queues), the same arrival rate, the limit never binding
 * (app-limited): the in-flight count doubles with the latency (Little's law) but the throughput does not, so the
 * baseline follows the slower dependency.
 */
class AdaptiveConcurrencyLimiterSlowerDependencyTest {

	private static final double SERVICE = 0.04;

	@ParameterizedTest
	@ValueSource(longs = { 1, 2, 3 })
	void appLimitedBaselineFollowsADependencyThatGetsSlowerWithoutQueueing(long seed) {
		ManualClock clock = new ManualClock();
		AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter.builder().clock(clock).build();
		// 64 servers, 50 calls/s: about 2 in flight, then 4 (limit 20: never more than half used)
		QueueSimulation simulation = new QueueSimulation(clock, limiter, seed).servers((t) -> 64)
			.arrivals((t) -> 50)
			.meanService((t) -> (t >= 20) ? 2 * SERVICE : SERVICE)
			.run(20);
		assertThat(limiter.baseline().toNanos() / 1e9).isCloseTo(SERVICE, within(0.4 * SERVICE));
		simulation.run(60);
		assertThat(simulation.rejectedFraction(20, 80)).isZero();
		assertThat(limiter.baseline().toNanos() / 1e9).as("baseline after 60 s of a 2x slower dependency")
			.isCloseTo(2 * SERVICE, within(0.6 * SERVICE));
	}

}
