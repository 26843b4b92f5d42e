package dev.limiter.core.ratelimit.redis;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.limiter.core.ManualClock;
import dev.limiter.core.ratelimit.Decision;

import static org.assertj.core.api.Assertions.assertThat;

/** The local accounting of a lease, on a {@link ManualClock}. */
class LeasedKeyTest {

	private static final long SECOND = Duration.ofSeconds(1).toNanos();

	private final ManualClock clock = new ManualClock();

	private final LeasedKey key = new LeasedKey();

	private void lease(int granted, long remainingInRedis) {
		long now = this.clock.nanoTime();
		this.key.granted(new LeasedKey.Lease(granted, now, now + SECOND, 0, remainingInRedis, now + 2 * SECOND, 0),
				granted, granted, now + SECOND);
	}

	@Test
	void spendsWhatTheLeaseHoldsThenAsksRedis() {
		lease(3, 90);
		assertThat(this.key.spend(2, 100, this.clock, 0))
			.isEqualTo(new Decision(true, 100, 91, Duration.ZERO, Duration.ofSeconds(2)));
		assertThat(this.key.spend(2, 100, this.clock, 0)).as("one left").isNull();
		this.clock.advance(Duration.ofMillis(500));
		assertThat(this.key.spend(1, 100, this.clock, 0))
			.isEqualTo(new Decision(true, 100, 90, Duration.ZERO, Duration.ofMillis(1500)));
		assertThat(this.key.spend(1, 100, this.clock, 0)).isNull();
		assertThat(this.key.close()).isZero();
	}

	@Test
	void aLeaseEndsAtItsTimeAndWhatItHeldIsGivenBack() {
		lease(10, 0);
		assertThat(this.key.spend(1, 100, this.clock, 0)).isNotNull();
		this.clock.advance(Duration.ofMillis(999));
		assertThat(this.key.spend(1, 100, this.clock, 0)).isNotNull();
		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.key.spend(1, 100, this.clock, 0)).isNull();
		assertThat(this.key.close()).as("the permit taken after the end is put back").isEqualTo(8);
		assertThat(this.key.spend(1, 100, this.clock, 0)).as("closed").isNull();
	}

	@Test
	void aLeaseIsNotSpentWhenTheClockWentBackNorAfterAnOutageEnded() {
		lease(10, 0);
		assertThat(this.key.spend(1, 100, this.clock, 1)).as("taken before an outage ended").isNull();
		this.clock.advance(Duration.ofMillis(-1));
		assertThat(this.key.spend(1, 100, this.clock, 0)).isNull();
		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.key.spend(1, 100, this.clock, 0)).isNotNull();
	}

	@Test
	void theNextLeaseHoldsWhatTheLocalRateUsesInAHundredMilliseconds() {
		assertThat(this.key.wanted(1, null, 0, this.clock.nanoTime(), 500)).as("first call: none").isZero();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.key.wanted(1, null, 0, this.clock.nanoTime(), 500)).as("1 a second").isZero();
		this.clock.advance(Duration.ofMillis(10));
		assertThat(this.key.wanted(1, null, 0, this.clock.nanoTime(), 500)).as("100 a second").isEqualTo(10);
		LeasedKey.Lease previous = new LeasedKey.Lease(10, 0, SECOND, 0, 0, 0, 0);
		this.clock.advance(Duration.ofMillis(50));
		assertThat(this.key.wanted(1, previous, 0, this.clock.nanoTime(), 500)).as("11 in 50 ms").isEqualTo(22);
		this.clock.advance(Duration.ofMillis(100));
		assertThat(this.key.wanted(1, previous, 9, this.clock.nanoTime(), 500)).as("2 in 100 ms").isEqualTo(2);
		assertThat(this.key.wanted(1, previous, 0, this.clock.nanoTime(), 500)).as("at once: the most").isEqualTo(500);
	}

	@Test
	void aKeyGrantedLessThanItAskedIsExactUntilThatLeaseWouldHaveEnded() {
		long now = this.clock.nanoTime();
		this.key.granted(null, 10, 4, now + SECOND);
		assertThat(this.key.isExact(now)).isTrue();
		this.clock.advance(Duration.ofMillis(999));
		assertThat(this.key.isExact(this.clock.nanoTime())).isTrue();
		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.key.isExact(this.clock.nanoTime())).isFalse();
		this.key.granted(null, 0, 0, now);
		assertThat(this.key.isExact(this.clock.nanoTime())).as("asked for none").isFalse();
	}

}
