package dev.limiter.core.ratelimit;

import java.time.Duration;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LimitSpecTest {

	private static final Duration SECOND = Duration.ofSeconds(1);

	private static final Duration DAY = Duration.ofDays(1);

	@Test
	void copiesChangeOnlyTheGivenValues() {
		TokenBucketSpec bucket = new TokenBucketSpec(10, SECOND, 20);
		FixedWindowSpec fixed = new FixedWindowSpec(5, SECOND, true, ZoneId.of("Europe/Paris"));
		SlidingWindowSpec sliding = new SlidingWindowSpec(7, SECOND);
		assertThat(bucket.withLimit(11)).isEqualTo(new TokenBucketSpec(11, SECOND, 20));
		assertThat(bucket.withPeriod(DAY)).isEqualTo(new TokenBucketSpec(10, DAY, 20));
		assertThat(bucket.withBurst(1)).isEqualTo(new TokenBucketSpec(10, SECOND, 1));
		assertThat(bucket.with(null, null, null)).isEqualTo(bucket);
		assertThat(fixed.withLimit(6)).isEqualTo(new FixedWindowSpec(6, SECOND, true, ZoneId.of("Europe/Paris")));
		assertThat(fixed.withPeriod(DAY)).isEqualTo(new FixedWindowSpec(5, DAY, true, ZoneId.of("Europe/Paris")));
		assertThat(sliding.withLimit(8)).isEqualTo(new SlidingWindowSpec(8, SECOND));
		assertThat(sliding.withPeriod(DAY)).isEqualTo(new SlidingWindowSpec(7, DAY));
	}

	@Test
	void copiesAreCheckedWhole() {
		// each change alone would break the 2^53 bound of 1 permit per day; together they do not
		TokenBucketSpec bucket = new TokenBucketSpec(1, SECOND, 1_000_000);
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.withPeriod(DAY));
		assertThat(bucket.with(null, DAY, 100L)).isEqualTo(new TokenBucketSpec(1, DAY, 100));
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.withLimit(-1))
			.withMessage("limit must be >= 0 (was -1)");
	}

	@Test
	void onlyTokenBucketsHaveABurst() {
		assertThatIllegalArgumentException().isThrownBy(() -> new FixedWindowSpec(5, SECOND, false).withBurst(1))
			.withMessageContaining("burst");
		assertThatIllegalArgumentException().isThrownBy(() -> new SlidingWindowSpec(5, SECOND).withBurst(1))
			.withMessageContaining("burst");
	}

}
