package dev.limiter.benchmarks;

/** Percentiles of the load runs' latencies. */
public final class Percentiles {

	private Percentiles() {
	}

	/**
	 * Returns the nearest-rank percentile of sorted values: the smallest value with at least {@code p} of them at or
	 * below it.
	 * @param sorted the values, in ascending order
	 * @param p the fraction, in (0, 1]
	 * @return the percentile; NaN without values
	 * @throws IllegalArgumentException if {@code p} is not in (0, 1]
	 */
	public static double nearestRank(double[] sorted, double p) {
		if (!(p > 0 && p <= 1)) {
			throw new IllegalArgumentException("p must be in (0, 1] (was " + p + ")");
		}
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int rank = (int) Math.ceil(p * sorted.length);
		return sorted[Math.max(0, rank - 1)];
	}

}
