package dev.limiter.core.bucket;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests of the saturating arithmetic behind the buckets' overflow edge cases. */
class BucketMathTest {

	@Test
	void addSaturatesAtBothEnds() {
		assertThat(BucketMath.saturatedAdd(3, 4)).isEqualTo(7);
		assertThat(BucketMath.saturatedAdd(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
		assertThat(BucketMath.saturatedAdd(Long.MIN_VALUE, -1)).isEqualTo(Long.MIN_VALUE);
		assertThat(BucketMath.saturatedAdd(Long.MAX_VALUE, Long.MIN_VALUE)).isEqualTo(-1);
	}

	@Test
	void subtractSaturatesAtBothEnds() {
		assertThat(BucketMath.saturatedSubtract(3, 4)).isEqualTo(-1);
		assertThat(BucketMath.saturatedSubtract(Long.MAX_VALUE, -1)).isEqualTo(Long.MAX_VALUE);
		assertThat(BucketMath.saturatedSubtract(Long.MIN_VALUE, 1)).isEqualTo(Long.MIN_VALUE);
		assertThat(BucketMath.saturatedSubtract(-1, Long.MIN_VALUE)).isEqualTo(Long.MAX_VALUE);
	}

	@Test
	void multiplySaturatesWithTheSignOfTheProduct() {
		assertThat(BucketMath.saturatedMultiply(-3, 4)).isEqualTo(-12);
		assertThat(BucketMath.saturatedMultiply(1L << 32, 1L << 30)).isEqualTo(1L << 62);
		assertThat(BucketMath.saturatedMultiply(1L << 32, 1L << 31)).isEqualTo(Long.MAX_VALUE);
		assertThat(BucketMath.saturatedMultiply(-(1L << 32), 1L << 31)).isEqualTo(Long.MIN_VALUE);
		assertThat(BucketMath.saturatedMultiply(1L << 32, 1L << 32)).isEqualTo(Long.MAX_VALUE);
		assertThat(BucketMath.saturatedMultiply(-(1L << 32), 1L << 32)).isEqualTo(Long.MIN_VALUE);
		assertThat(BucketMath.saturatedMultiply(-(1L << 32), -(1L << 32))).isEqualTo(Long.MAX_VALUE);
		assertThat(BucketMath.saturatedMultiply(Long.MIN_VALUE, 1)).isEqualTo(Long.MIN_VALUE);
		assertThat(BucketMath.saturatedMultiply(Long.MIN_VALUE, -1)).isEqualTo(Long.MAX_VALUE);
	}

}
