package dev.limiter.boot.registry;

import java.util.Map;

import dev.limiter.core.ratelimit.RateLimiter;

/**
 * The configured rate limiters by name.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class RateLimiterRegistry extends NamedRegistry<RateLimiter> {

	/**
	 * Creates the registry.
	 * @param instances the rate limiters by name, in configuration order
	 */
	public RateLimiterRegistry(Map<String, ? extends RateLimiter> instances) {
		super(LimiterKind.RATE_LIMITER, instances);
	}

}
