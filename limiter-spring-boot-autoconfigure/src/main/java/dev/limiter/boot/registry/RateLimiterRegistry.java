package dev.limiter.boot.registry;

import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;

/**
 * The configured rate limiters by name. A limiter's spec can be changed at run time ({@link #update}); users of a
 * limiter that must see such changes hold its {@link #source(String) source} rather than the limiter itself.
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

	/**
	 * Replaces the named limiter by one with the same name, store and lease size and a new spec. Keys keep their
	 * state where the store carries it over to the new spec; leases of the old limiter are not spent any more.
	 * @param name the limiter's name
	 * @param spec the new spec
	 * @return the new limiter, or {@code null} when none has the name
	 */
	public @Nullable RateLimiter update(String name, LimitSpec spec) {
		return replace(name, (current) -> new RateLimiter(name, spec, current.store(), current.leasePermits()));
	}

	/**
	 * Puts a decorator in front of every limiter's store, as the dashboard does to watch decisions. Users of
	 * {@link #source(String, String) sources} see the decorated limiters at once; the decorator stays across
	 * {@link #update updates}.
	 * @param decorator computes the decorated store from the limiter's name and its current store
	 */
	public void decorateStores(BiFunction<String, RateLimitStore, RateLimitStore> decorator) {
		for (String name : names()) {
			replace(name, (current) -> new RateLimiter(name, current.spec(), decorator.apply(name, current.store())));
		}
	}

	/**
	 * Returns a supplier of the named limiter's current instance, following {@link #update updates}; calling it
	 * allocates nothing.
	 * @param name the name of a configured limiter
	 * @param origin where the name was given, for the error
	 * @return the supplier
	 * @throws dev.limiter.boot.registry.UnknownLimiterException if no limiter has the name
	 */
	public Supplier<RateLimiter> source(String name, String origin) {
		RateLimiter initial = get(name, origin);
		return () -> {
			RateLimiter current = find(name);
			return (current != null) ? current : initial;
		};
	}

}
