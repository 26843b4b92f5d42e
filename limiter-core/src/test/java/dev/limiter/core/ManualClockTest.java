package dev.limiter.core;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ManualClockTest {

	@Test
	void startsAtZeroOnBothScales() {
		ManualClock clock = new ManualClock();
		assertThat(clock.nanoTime()).isZero();
		assertThat(clock.currentTimeMillis()).isZero();
	}

	@Test
	void advanceMovesBothScalesForwardAndBackward() {
		ManualClock clock = new ManualClock(1_000);
		clock.advance(Duration.ofMillis(1500));
		assertThat(clock.nanoTime()).isEqualTo(1_500_000_000L);
		assertThat(clock.currentTimeMillis()).isEqualTo(2_500);
		clock.advance(Duration.ofSeconds(-2));
		assertThat(clock.nanoTime()).isEqualTo(-500_000_000L);
		assertThat(clock.currentTimeMillis()).isEqualTo(500);
	}

	@Test
	void sleepAdvancesAndReturnsAtOnceButNeverGoesBack() throws InterruptedException {
		ManualClock clock = new ManualClock();
		clock.sleep(250);
		clock.sleep(-10);
		clock.sleep(0);
		assertThat(clock.nanoTime()).isEqualTo(250);
	}

	@Test
	void sleepThrowsWhenInterruptedAndClearsTheFlag() {
		ManualClock clock = new ManualClock();
		Thread.currentThread().interrupt();
		assertThatExceptionOfType(InterruptedException.class).isThrownBy(() -> clock.sleep(10));
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
		assertThat(clock.nanoTime()).isZero();
	}

	@Test
	void systemClockSleepsAtLeastTheRequestedTime() throws InterruptedException {
		Clock clock = Clock.system();
		long start = clock.nanoTime();
		clock.sleep(2_000_000);
		assertThat(clock.nanoTime() - start).isGreaterThanOrEqualTo(2_000_000);
		assertThat(clock).isSameAs(Clock.system());
	}

}
