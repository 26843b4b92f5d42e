package dev.limiter.boot.registry;

import java.util.Map;

import dev.limiter.core.breaker.Breaker;

/**
 * The configured circuit breakers by name.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class CircuitBreakerRegistry extends NamedRegistry<Breaker> {

	/**
	 * Creates the registry.
	 * @param instances the circuit breakers by name, in configuration order
	 */
	public CircuitBreakerRegistry(Map<String, ? extends Breaker> instances) {
		super(LimiterKind.CIRCUIT_BREAKER, instances);
	}

}
