package dev.limiter.core.bucket;

import java.time.Duration;

/**
 * Saturating {@code long} arithmetic for the buckets' nanosecond and token counts, and durations in nanoseconds:
 * clamps instead of wrapping.
 */
final class BucketMath {

	private static final long NANOS_PER_SECOND = 1_000_000_000L;

	private BucketMath() {
	}

	/** A duration in nanoseconds, {@link Long#MAX_VALUE} or {@link Long#MIN_VALUE} from about 292 years on. */
	static long saturatedNanos(Duration duration) {
		long seconds = duration.getSeconds();
		if (seconds >= Long.MAX_VALUE / NANOS_PER_SECOND) {
			return Long.MAX_VALUE;
		}
		if (seconds < Long.MIN_VALUE / NANOS_PER_SECOND) {
			return Long.MIN_VALUE;
		}
		return duration.toNanos();
	}

	static long saturatedAdd(long a, long b) {
		long sum = a + b;
		if (((a ^ sum) & (b ^ sum)) < 0) {
			return (a < 0) ? Long.MIN_VALUE : Long.MAX_VALUE;
		}
		return sum;
	}

	static long saturatedSubtract(long a, long b) {
		long difference = a - b;
		if (((a ^ b) & (a ^ difference)) < 0) {
			return (a < 0) ? Long.MIN_VALUE : Long.MAX_VALUE;
		}
		return difference;
	}

	static long saturatedMultiply(long a, long b) {
		long high = Math.multiplyHigh(a, b);
		long low = a * b;
		if ((high == 0 && low >= 0) || (high == -1 && low < 0)) {
			return low;
		}
		return ((a ^ b) < 0) ? Long.MIN_VALUE : Long.MAX_VALUE;
	}

}
