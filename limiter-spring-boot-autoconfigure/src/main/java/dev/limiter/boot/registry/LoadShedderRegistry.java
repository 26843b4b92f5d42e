package dev.limiter.boot.registry;

import java.util.Map;
import java.util.Set;

import dev.limiter.core.shedding.Shedder;

/**
 * The configured load shedders by name.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LoadShedderRegistry extends ShadowModeRegistry<Shedder> {

	/**
	 * Creates the registry.
	 * @param instances the load shedders by name, in configuration order
	 */
	public LoadShedderRegistry(Map<String, ? extends Shedder> instances) {
		this(instances, Set.of());
	}

	/**
	 * Creates the registry.
	 * @param instances the load shedders by name, in configuration order
	 * @param shadow the names of those in shadow mode
	 */
	public LoadShedderRegistry(Map<String, ? extends Shedder> instances, Set<String> shadow) {
		super(LimiterKind.LOAD_SHEDDER, instances, shadow);
	}

}
