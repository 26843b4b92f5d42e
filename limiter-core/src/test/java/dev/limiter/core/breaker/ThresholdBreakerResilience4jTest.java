package dev.limiter.core.breaker;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.limiter.core.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cases ported from Resilience4j's {@code CircuitBreakerStateMachineTest} (resilience4j-circuitbreaker), with its
 * set-up: failure and slow-call rate 50 %, slow calls over 4 s, a time-based window of 5 s with a minimum of 5 calls,
 * 4 half-open calls, 5 s open. Durations that Resilience4j passes to {@code onSuccess}/{@code onError} are made real
 * here by acquiring the permit that much earlier on the manual clock.
 */
class ThresholdBreakerResilience4jTest {

	private final ManualClock clock = new ManualClock();

	private final ThresholdBreaker breaker = ThresholdBreaker.builder("testName")
		.failureRateThreshold(0.5)
		.halfOpenCalls(4)
		.slowCallDuration(Duration.ofSeconds(4))
		.slowCallRateThreshold(0.5)
		.window(Duration.ofSeconds(5))
		.buckets(5)
		.minimumCalls(5)
		.openDuration(Duration.ofSeconds(5))
		.clock(this.clock)
		.build();

	// CircuitBreakerStateMachineTest.shouldOpenAfterFailureRateThresholdExceeded
	@Test
	void shouldOpenAfterFailureRateThresholdExceeded() {
		this.clock.advance(Duration.ofSeconds(10)); // calls below are durations of 0 at t = 10 s
		for (int call = 1; call <= 3; call++) {
			this.breaker.onResult(this.breaker.tryAcquire(), false);
			assertThat(this.breaker.state()).isEqualTo(BreakerState.CLOSED);
			assertThat(this.breaker.failureRate()).isEqualTo(-1);
		}
		this.breaker.onResult(this.breaker.tryAcquire(), true);
		assertThat(this.breaker.state()).isEqualTo(BreakerState.CLOSED);
		this.breaker.onResult(this.breaker.tryAcquire(), true);
		assertThat(this.breaker.state()).isEqualTo(BreakerState.OPEN); // 3 of 5 failed: 60 %
		assertThat(this.breaker.tryAcquire()).isNegative();
	}

	// CircuitBreakerStateMachineTest.shouldOpenAfterSlowCallRateThresholdExceeded
	@Test
	void shouldOpenAfterSlowCallRateThresholdExceeded() {
		this.clock.advance(Duration.ofSeconds(10));
		long slowFailure = this.breaker.tryAcquire();
		long slowSuccess = this.breaker.tryAcquire();
		long lastSlowSuccess = this.breaker.tryAcquire();
		this.clock.advance(Duration.ofMillis(4900));
		long fastFailure = this.breaker.tryAcquire();
		long fastSuccess = this.breaker.tryAcquire();
		this.clock.advance(Duration.ofMillis(100)); // 5 s after the slow calls started, 100 ms after the fast ones
		this.breaker.onResult(slowFailure, false);
		this.breaker.onResult(slowSuccess, true);
		this.breaker.onResult(fastFailure, false);
		this.breaker.onResult(fastSuccess, true);
		assertThat(this.breaker.state()).isEqualTo(BreakerState.CLOSED);
		this.breaker.onResult(lastSlowSuccess, true);
		assertThat(this.breaker.state()).isEqualTo(BreakerState.OPEN); // 3 of 5 slow: 60 %
		assertThat(this.breaker.slowCallRate()).isEqualTo(0.6); // the window is kept while OPEN
	}

	// CircuitBreakerStateMachineTest.shouldOnlyPermitFourCallsInHalfOpenState
	@Test
	void shouldOnlyPermitFourCallsInHalfOpenState() {
		for (int round = 0; round < 2; round++) {
			this.breaker.forceOpen();
			this.breaker.reset();
			tripWithFailures();
			this.clock.advance(Duration.ofSeconds(5));
			assertThat(this.breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
			for (int probe = 0; probe < 4; probe++) {
				assertThat(this.breaker.tryAcquire()).isNotNegative();
			}
			assertThat(this.breaker.tryAcquire()).isNegative();
			assertThat(this.breaker.tryAcquire()).isNegative();
		}
	}

	// CircuitBreakerStateMachineTest.shouldTransitionToHalfOpenAfterWaitDuration
	@Test
	void shouldTransitionToHalfOpenAfterWaitDuration() {
		tripWithFailures();
		assertThat(this.breaker.tryAcquire()).isNegative();
		this.clock.advance(Duration.ofSeconds(3));
		assertThat(this.breaker.state()).isEqualTo(BreakerState.OPEN);
		assertThat(this.breaker.tryAcquire()).isNegative();
		this.clock.advance(Duration.ofSeconds(3));
		assertThat(this.breaker.tryAcquire()).isNotNegative();
		assertThat(this.breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
	}

	private void tripWithFailures() {
		for (int call = 0; call < 5; call++) {
			this.breaker.onResult(this.breaker.tryAcquire(), false);
		}
		assertThat(this.breaker.state()).isEqualTo(BreakerState.OPEN);
	}

}
