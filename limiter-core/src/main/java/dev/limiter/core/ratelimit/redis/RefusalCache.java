package dev.limiter.core.ratelimit.redis;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.limiter.core.ratelimit.AlgorithmParameters;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.LimitSpec;

/**
 * Keys known to be short of permits. A refusal of {@code n} permits with a finite retry time proves that the key
 * holds fewer than {@code n} permits until then, whatever happens elsewhere: a key's permits only grow with time,
 * and other instances only take (or give back unspent leased permits, which at worst makes a local refusal
 * pessimistic, never an admission wrong). So until that time any request of {@code n} or more permits (and at most
 * the limit, beyond which Redis answers "never") is refused here without asking Redis.
 *
 * <p>The answer carries the refusal's limit and remaining permits as Redis gave them (exact for one permit: none
 * remain), and the time left until the remembered retry time: exactly the script's answer for {@code n} permits and
 * for any request on a fixed window (whose retry time is the window's end), a lower bound for a larger request on a
 * token bucket or a sliding window (retrying then asks Redis again). One entry per key, the latest refusal; bounded
 * (Caffeine, least recently used keys go first); an entry is ignored once its time has passed, when the key's spec
 * differs, or when the clock went back behind it.
 */
final class RefusalCache {

	private static final Duration FOREVER = AlgorithmParameters.forever();

	private final Cache<String, Refusal> refusals;

	RefusalCache(long maximumKeys) {
		// maintenance on the calling thread: the common pool is shared with the application and adds to the tail
		this.refusals = Caffeine.newBuilder().executor(Runnable::run).maximumSize(maximumKeys).build();
	}

	/** Returns the local answer for a key known to be short of permits, or {@code null} when Redis must decide. */
	Decision answer(String key, LimitSpec spec, int permits, long nowNanos) {
		Refusal refusal = this.refusals.getIfPresent(key);
		if (refusal == null || permits < refusal.permits || permits > refusal.limit) {
			return null;
		}
		if (nowNanos - refusal.untilNanos >= 0 || nowNanos - refusal.decidedNanos < 0
				|| (refusal.spec != spec && !refusal.spec.equals(spec))) {
			this.refusals.asMap().remove(key, refusal);
			return null;
		}
		Duration resetAfter = (refusal.resetAtNanos == Long.MAX_VALUE) ? FOREVER
				: Duration.ofNanos(Math.max(0, refusal.resetAtNanos - nowNanos));
		return new Decision(false, refusal.limit, refusal.remaining, Duration.ofNanos(refusal.untilNanos - nowNanos),
				resetAfter);
	}

	/**
	 * Remembers a refusal of {@code permits} with a finite retry time (see {@link #isRememberable}).
	 * @param slackNanos how much earlier than its retry time the refusal may end: up to 1 ms when the script's time
	 * was the wall clock in whole milliseconds, which may lag the decision's true time by as much
	 */
	void remember(String key, LimitSpec spec, int permits, long nowNanos, long slackNanos, Decision decision) {
		long untilNanos = nowNanos + decision.retryAfter().toNanos() - slackNanos;
		if (untilNanos - nowNanos <= 0) {
			return;
		}
		long resetAtNanos = decision.resetAfter().equals(FOREVER) ? Long.MAX_VALUE
				: nowNanos + decision.resetAfter().toNanos();
		this.refusals.put(key, new Refusal(spec, permits, decision.limit(), decision.remaining(), nowNanos, untilNanos,
				resetAtNanos));
	}

	/** Returns whether a Redis decision may be remembered: refused with a finite retry time. */
	static boolean isRememberable(Decision decision) {
		return !decision.allowed() && !decision.retryAfter().equals(FOREVER);
	}

	private record Refusal(LimitSpec spec, int permits, long limit, long remaining, long decidedNanos, long untilNanos,
			long resetAtNanos) {
	}

}
