package dev.limiter.boot.registry;

import java.util.Map;
import java.util.Set;

/**
 * A {@link NamedRegistry} of protections that can run in shadow mode (circuit breakers, load shedders): what such a
 * protection refuses is counted and logged, and goes on.
 *
 * @param <T> the type of the instances
 * @author limiter
 * @since 0.1.0
 */
public abstract class ShadowModeRegistry<T> extends NamedRegistry<T> {

	private final Set<String> shadow;

	/**
	 * Creates a registry.
	 * @param kind the kind of the instances
	 * @param instances the instances by name, in configuration order
	 * @param shadow the names of those in shadow mode
	 */
	protected ShadowModeRegistry(LimiterKind kind, Map<String, ? extends T> instances, Set<String> shadow) {
		super(kind, instances);
		this.shadow = Set.copyOf(shadow);
	}

	/**
	 * Returns whether the named instance runs in shadow mode: what it refuses is counted and logged, and goes on.
	 * @param name the name
	 * @return whether it is in shadow mode ({@code false} for an unknown name)
	 */
	public boolean isShadow(String name) {
		return this.shadow.contains(name);
	}

}
