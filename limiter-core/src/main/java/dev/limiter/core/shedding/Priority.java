package dev.limiter.core.shedding;

/**
 * How much a call matters when a {@link Shedder} has to refuse some: {@link Shedder#allow(Priority)} refuses
 * {@link #SHEDDABLE} calls before {@link #CRITICAL} ones, so that under overload the capacity goes to the calls that
 * matter. Shedders that know their limit ({@link ConcurrencyLimiter}, {@link AdaptiveConcurrencyLimiter},
 * {@link CappedShedder}) act on it; others treat both alike.
 */
public enum Priority {

	/**
	 * A call that should get through while anything does: admitted up to the shedder's full limit. The default
	 * everywhere.
	 */
	CRITICAL,

	/**
	 * A call that can be refused first (batch work, prefetches, retries of optional features): refused once the
	 * calls in flight reach {@code min(0.9 x limit, limit - 1)}, rounded up, so that at every limit of 2 or more at
	 * least one slot stays free for critical calls. At a limit of 1 both share the single slot, so that a shedder
	 * whose traffic is all sheddable still admits calls (and a learning limiter still learns).
	 */
	SHEDDABLE;

	/**
	 * Returns the in-flight count from which sheddable calls are refused, for a limit: the most calls sheddable
	 * calls alone bring in flight.
	 * @param limit the limit critical calls go up to, at least 1
	 * @return {@code min(ceil(0.9 x limit), limit - 1)}, at least 1
	 */
	static int sheddableLimit(int limit) {
		long ninetyPercent = (9L * limit + 9) / 10;
		return (int) Math.max(1, Math.min(ninetyPercent, limit - 1L));
	}

}
