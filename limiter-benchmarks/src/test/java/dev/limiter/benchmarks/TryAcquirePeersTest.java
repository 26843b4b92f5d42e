package dev.limiter.benchmarks;

import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import dev.limiter.benchmarks.TryAcquirePeers.Regime;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks that {@link TryAcquireBenchmark} measures what it says: in the {@code permit} regime every peer grants every
 * call, in the {@code reject} regime every peer refuses nearly all.
 */
class TryAcquirePeersTest {

	private static final int CALLS = 200_000;

	@Test
	void permitRegimeGrantsEveryCall() {
		var bucket4j = TryAcquirePeers.bucket4j(Regime.PERMIT);
		assertThat(granted(TryAcquirePeers.tokenBucket(Regime.PERMIT)::tryAcquire)).isEqualTo(CALLS);
		assertThat(granted(TryAcquirePeers.resilience4j(Regime.PERMIT)::acquirePermission)).isEqualTo(CALLS);
		assertThat(granted(() -> bucket4j.tryConsume(1))).isEqualTo(CALLS);
		assertThat(granted(TryAcquirePeers.guava(Regime.PERMIT)::tryAcquire)).isEqualTo(CALLS);
	}

	@Test
	void rejectRegimeRefusesNearlyEveryCall() {
		var bucket4j = TryAcquirePeers.bucket4j(Regime.REJECT);
		assertThat(granted(TryAcquirePeers.tokenBucket(Regime.REJECT)::tryAcquire)).isLessThan(CALLS / 10);
		assertThat(granted(TryAcquirePeers.resilience4j(Regime.REJECT)::acquirePermission)).isLessThan(CALLS / 10);
		assertThat(granted(() -> bucket4j.tryConsume(1))).isLessThan(CALLS / 10);
		assertThat(granted(TryAcquirePeers.guava(Regime.REJECT)::tryAcquire)).isLessThan(CALLS / 10);
	}

	private static int granted(BooleanSupplier call) {
		int granted = 0;
		for (int i = 0; i < CALLS; i++) {
			if (call.getAsBoolean()) {
				granted++;
			}
		}
		return granted;
	}

}
