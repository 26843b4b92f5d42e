package dev.limiter.boot.testing;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;

/**
 * A test store: each key gets {@code spec.limit()} permits, never refilled; a refusal says to retry after
 * {@link #RETRY_AFTER}, every decision that the key resets after {@link #RESET_AFTER}.
 */
public final class CountingStore implements RateLimitStore {

	public static final Duration RETRY_AFTER = Duration.ofMillis(2500);

	public static final Duration RESET_AFTER = Duration.ofMillis(10_200);

	private final Map<String, Long> used = new ConcurrentHashMap<>();

	@Override
	public Decision acquire(String key, LimitSpec spec, int permits) {
		long limit = spec.limit();
		long before = this.used.getOrDefault(key, 0L);
		if (before + permits > limit) {
			return new Decision(false, limit, Math.max(0, limit - before), RETRY_AFTER, RESET_AFTER);
		}
		this.used.put(key, before + permits);
		return new Decision(true, limit, limit - before - permits, Duration.ZERO, RESET_AFTER);
	}

	public long used(String key) {
		return this.used.getOrDefault(key, 0L);
	}

}
