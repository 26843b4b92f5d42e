package dev.limiter.boot.registry;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.limiter.boot.autoconfigure.UnknownLimiterException;
import org.jspecify.annotations.Nullable;

/**
 * The configured instances of one {@link LimiterKind}, by name. Built once at start-up; immutable and thread-safe.
 *
 * @param <T> the type of the instances
 * @author limiter
 * @since 0.1.0
 */
public abstract class NamedRegistry<T> {

	private final LimiterKind kind;

	private final Map<String, T> instances;

	/**
	 * Creates a registry.
	 * @param kind the kind of the instances
	 * @param instances the instances by name, in configuration order
	 */
	protected NamedRegistry(LimiterKind kind, Map<String, ? extends T> instances) {
		this.kind = Objects.requireNonNull(kind, "kind must not be null");
		this.instances = Collections.unmodifiableMap(new LinkedHashMap<>(instances));
	}

	/**
	 * Returns the kind of the instances.
	 * @return the kind
	 */
	public LimiterKind kind() {
		return this.kind;
	}

	/**
	 * Returns the named instance.
	 * @param name the name
	 * @return the instance, or {@code null} when none has the name
	 */
	public @Nullable T find(String name) {
		return this.instances.get(name);
	}

	/**
	 * Returns the named instance, or fails naming where the name came from.
	 * @param name the name
	 * @param origin where the name was given, such as "property 'limiter.web.rules[0].rate-limiter'" or
	 * "method 'com.example.Service.call(String)'"
	 * @return the instance
	 * @throws UnknownLimiterException if no instance has the name
	 */
	public T get(String name, String origin) {
		T instance = this.instances.get(name);
		if (instance == null) {
			throw new UnknownLimiterException(this.kind, name, origin, this.instances.keySet());
		}
		return instance;
	}

	/**
	 * Returns every instance by name, in configuration order.
	 * @return an unmodifiable map
	 */
	public Map<String, T> all() {
		return this.instances;
	}

	/**
	 * Returns the names of the instances.
	 * @return an unmodifiable set
	 */
	public Set<String> names() {
		return this.instances.keySet();
	}

}
