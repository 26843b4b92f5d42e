package dev.limiter.boot.autoconfigure;

import dev.limiter.core.Clock;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.shedding.Shedder;

/**
 * Creates the concrete limiter-core instances the properties describe. This is the one seam between the Boot layer
 * and limiter-core's implementations.
 */
final class CoreFactories {

	private CoreFactories() {
	}

	/**
	 * Creates the store selected by {@code limiter.store=memory}.
	 * @param properties the properties (checked)
	 * @param clock the clock
	 * @return the store
	 */
	static RateLimitStore memoryStore(LimiterProperties properties, Clock clock) {
		// TODO(issue 5): InMemoryRateLimitStore.builder().clock(clock).maximumKeys(...).build() once branch
		// 'keyed' is merged.
		throw new IllegalStateException("limiter.store=memory needs InMemoryRateLimitStore, which this build of "
				+ "limiter-core does not have yet; declare a RateLimitStore bean");
	}

	/**
	 * Creates a circuit breaker.
	 * @param name its name
	 * @param properties its properties (checked)
	 * @param clock the clock
	 * @return the breaker
	 */
	static Breaker breaker(String name, LimiterProperties.CircuitBreaker properties, Clock clock) {
		// TODO(issue 5): SreBreaker (adaptive, branch 'adaptive') and ThresholdBreaker (threshold, branch
		// 'threshold') once merged.
		throw new IllegalStateException("Circuit breaker '" + name + "' of type " + properties.getType()
				+ " needs a breaker implementation this build of limiter-core does not have yet");
	}

	/**
	 * Creates a load shedder.
	 * @param name its name
	 * @param properties its properties (checked)
	 * @param clock the clock
	 * @return the shedder
	 */
	static Shedder shedder(String name, LimiterProperties.LoadShedder properties, Clock clock) {
		// TODO(issue 5): AdaptiveShedder and ConcurrencyLimiter (branch 'adaptive') once merged.
		throw new IllegalStateException("Load shedder '" + name
				+ "' needs AdaptiveShedder, which this build of limiter-core does not have yet");
	}

}
