package dev.limiter.boot.web;

import java.time.Duration;

import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.CappedShedder;
import dev.limiter.core.shedding.Shedder;
import org.jspecify.annotations.Nullable;

/**
 * The {@code Retry-After} of a 503: how long the breaker or shedder that refused will go on refusing, at least the
 * given minimum. A threshold breaker tells the rest of its open time, an adaptive shedder the rest of its cool-off;
 * an adaptive (SRE) breaker drops with a probability and a concurrency cap frees slots at any time, so they get the
 * minimum. Shared by the servlet and the reactive web stacks.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class RetryAfters {

	private RetryAfters() {
	}

	/**
	 * Returns the {@code Retry-After} of a request a breaker dropped.
	 * @param breaker the breaker, or {@code null} if unknown
	 * @param minimum the least wait
	 * @return the wait, at least {@code minimum}
	 */
	public static Duration breaker(@Nullable Breaker breaker, Duration minimum) {
		Duration remaining = (breaker instanceof ThresholdBreaker threshold) ? threshold.openTimeRemaining()
				: Duration.ZERO;
		return atLeast(remaining, minimum);
	}

	/**
	 * Returns the {@code Retry-After} of a request a shedder refused.
	 * @param shedder the shedder, or {@code null} if unknown
	 * @param minimum the least wait
	 * @return the wait, at least {@code minimum}
	 */
	public static Duration shedder(@Nullable Shedder shedder, Duration minimum) {
		Shedder inner = (shedder instanceof CappedShedder capped) ? capped.shedder() : shedder;
		Duration remaining = (inner instanceof AdaptiveShedder adaptive) ? adaptive.coolOffRemaining() : Duration.ZERO;
		return atLeast(remaining, minimum);
	}

	private static Duration atLeast(Duration remaining, Duration minimum) {
		return (remaining.compareTo(minimum) > 0) ? remaining : minimum;
	}

}
