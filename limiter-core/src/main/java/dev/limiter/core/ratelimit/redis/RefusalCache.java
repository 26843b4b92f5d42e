package dev.limiter.core.ratelimit.redis;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.limiter.core.ratelimit.AlgorithmParameters;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.LimitSpec;

/**
 * Keys known to be empty: a key refused a single permit with nothing remaining stays refused until its retry time,
 * whatever happens elsewhere (other instances can only take more), so until then a single-permit request is refused
 * here without asking Redis, with the retry and reset times the script would give. Requests of several permits
 * always ask Redis (their retry time differs). Bounded (Caffeine, least recently used keys go first); an entry is
 * ignored once its time has passed, when the key's spec differs, or when the clock went back behind it.
 */
final class RefusalCache {

	private static final Duration FOREVER = AlgorithmParameters.forever();

	private final Cache<String, Refusal> refusals;

	RefusalCache(long maximumKeys) {
		this.refusals = Caffeine.newBuilder().maximumSize(maximumKeys).build();
	}

	/** Returns the local answer for a known-empty key, or {@code null} when Redis must decide. */
	Decision answer(String key, LimitSpec spec, long nowNanos) {
		Refusal refusal = this.refusals.getIfPresent(key);
		if (refusal == null) {
			return null;
		}
		if (nowNanos - refusal.untilNanos >= 0 || nowNanos - refusal.decidedNanos < 0
				|| (refusal.spec != spec && !refusal.spec.equals(spec))) {
			this.refusals.asMap().remove(key, refusal);
			return null;
		}
		Duration resetAfter = (refusal.resetAtNanos == Long.MAX_VALUE) ? FOREVER
				: Duration.ofNanos(refusal.resetAtNanos - nowNanos);
		return new Decision(false, refusal.limit, 0, Duration.ofNanos(refusal.untilNanos - nowNanos), resetAfter);
	}

	/** Remembers a refusal of one permit with nothing remaining and a finite retry time. */
	void remember(String key, LimitSpec spec, long nowNanos, Decision decision) {
		long resetAtNanos = decision.resetAfter().equals(FOREVER) ? Long.MAX_VALUE
				: nowNanos + decision.resetAfter().toNanos();
		this.refusals.put(key, new Refusal(spec, decision.limit(), nowNanos, nowNanos + decision.retryAfter().toNanos(),
				resetAtNanos));
	}

	/** Returns whether a Redis decision may be remembered: one permit refused, none left, a finite retry time. */
	static boolean isRememberable(int permits, Decision decision) {
		return permits == 1 && !decision.allowed() && decision.remaining() == 0
				&& !decision.retryAfter().equals(FOREVER);
	}

	private record Refusal(LimitSpec spec, long limit, long decidedNanos, long untilNanos, long resetAtNanos) {
	}

}
