package dev.limiter.boot.autoconfigure.aot;

import dev.limiter.annotation.CircuitBreaker;
import dev.limiter.annotation.LoadShed;
import dev.limiter.annotation.RateLimited;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * Runtime hints that do not depend on the application's beans: the Redis store's Lua scripts, read from the class
 * path when a store is built, and the limiter annotation types, read reflectively from the beans' methods. Registered
 * in {@code META-INF/spring/aot.factories}.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterRuntimeHints implements RuntimeHintsRegistrar {

	/** Where limiter-core keeps the Redis store's scripts. */
	static final String LUA_SCRIPTS = "dev/limiter/core/ratelimit/redis/*.lua";

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		hints.resources().registerPattern(LUA_SCRIPTS);
		hints.reflection().registerType(RateLimited.class)
				.registerType(CircuitBreaker.class).registerType(LoadShed.class);
	}

}
