package dev.limiter.benchmarks;

import java.time.Duration;

import com.google.common.util.concurrent.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

import dev.limiter.core.bucket.TokenBucket;

/**
 * The rate limiters compared by {@link TryAcquireBenchmark}, each configured for one {@link Regime}. Shared with the
 * sanity test, so that the benchmark measures the configuration the test checked.
 */
final class TryAcquirePeers {

	/** How the limiters are configured. */
	enum Regime {

		/** Limits so high that every call is permitted: the cost of taking a permit. */
		PERMIT,

		/** 1,000 permits a second with a burst of 1: nearly every call is refused. */
		REJECT

	}

	private TryAcquirePeers() {
	}

	static TokenBucket tokenBucket(Regime regime) {
		return (regime == Regime.PERMIT) ? TokenBucket.of(1e12, Integer.MAX_VALUE) : TokenBucket.of(1000, 1);
	}

	static AtomicRateLimiter resilience4j(Regime regime) {
		RateLimiterConfig.Builder config = RateLimiterConfig.custom().timeoutDuration(Duration.ZERO);
		if (regime == Regime.PERMIT) {
			config.limitForPeriod(Integer.MAX_VALUE).limitRefreshPeriod(Duration.ofSeconds(1));
		}
		else {
			config.limitForPeriod(1).limitRefreshPeriod(Duration.ofMillis(1));
		}
		return new AtomicRateLimiter("bench", config.build());
	}

	static Bucket bucket4j(Regime regime) {
		if (regime == Regime.PERMIT) {
			// Bucket4j refuses refill rates above 1 token/ns
			return Bucket.builder()
				.addLimit((limit) -> limit.capacity(1_000_000_000_000L)
					.refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
				.build();
		}
		return Bucket.builder()
			.addLimit((limit) -> limit.capacity(1).refillGreedy(1000, Duration.ofSeconds(1)))
			.build();
	}

	static RateLimiter guava(Regime regime) {
		return RateLimiter.create((regime == Regime.PERMIT) ? 1e12 : 1000);
	}

}
