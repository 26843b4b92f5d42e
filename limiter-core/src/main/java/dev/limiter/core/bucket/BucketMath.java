package dev.limiter.core.bucket;

/** Saturating {@code long} arithmetic for the buckets' nanosecond and token counts: clamps instead of wrapping. */
final class BucketMath {

	private BucketMath() {
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
