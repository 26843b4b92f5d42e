package dev.limiter.boot.registry;

import java.util.Map;
import java.util.Set;

import dev.limiter.core.breaker.Breaker;

/**
 * The configured circuit breakers by name.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class CircuitBreakerRegistry extends ShadowModeRegistry<Breaker> {

	/**
	 * Creates the registry.
	 * @param instances the circuit breakers by name, in configuration order
	 */
	public CircuitBreakerRegistry(Map<String, ? extends Breaker> instances) {
		this(instances, Set.of());
	}

	/**
	 * Creates the registry.
	 * @param instances the circuit breakers by name, in configuration order
	 * @param shadow the names of those in shadow mode
	 */
	public CircuitBreakerRegistry(Map<String, ? extends Breaker> instances, Set<String> shadow) {
		super(LimiterKind.CIRCUIT_BREAKER, instances, shadow);
	}

}
