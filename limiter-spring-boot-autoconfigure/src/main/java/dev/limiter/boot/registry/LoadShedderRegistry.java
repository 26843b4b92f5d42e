package dev.limiter.boot.registry;

import java.util.Map;

import dev.limiter.core.shedding.Shedder;

/**
 * The configured load shedders by name.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LoadShedderRegistry extends NamedRegistry<Shedder> {

	/**
	 * Creates the registry.
	 * @param instances the load shedders by name, in configuration order
	 */
	public LoadShedderRegistry(Map<String, ? extends Shedder> instances) {
		super(LimiterKind.LOAD_SHEDDER, instances);
	}

}
