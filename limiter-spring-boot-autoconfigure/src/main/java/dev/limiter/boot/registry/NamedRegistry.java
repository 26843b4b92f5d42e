package dev.limiter.boot.registry;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

/**
 * The configured instances of one {@link LimiterKind}, by name. Built at start-up; the set of names never changes,
 * though a subclass may replace an instance (a rate limiter's spec). Reads allocate nothing. Thread-safe.
 *
 * @param <T> the type of the instances
 * @author limiter
 * @since 0.1.0
 */
public abstract class NamedRegistry<T> {

	private final LimiterKind kind;

	private volatile Map<String, T> instances;

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
	 * Replaces the named instance (copy on write).
	 * @param name the name
	 * @param replacement computes the new instance from the current one
	 * @return the new instance, or {@code null} when none has the name
	 */
	protected synchronized @Nullable T replace(String name, UnaryOperator<T> replacement) {
		T current = this.instances.get(name);
		if (current == null) {
			return null;
		}
		T updated = Objects.requireNonNull(replacement.apply(current), "replacement must not be null");
		Map<String, T> copy = new LinkedHashMap<>(this.instances);
		copy.put(name, updated);
		this.instances = Collections.unmodifiableMap(copy);
		return updated;
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
