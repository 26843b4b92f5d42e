package dev.limiter.boot.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns {@link LimiterProperties} into limit specs, and checks what only the properties can get wrong: a value that
 * is missing, or set for an algorithm that does not use it. limiter-core checks the values themselves, once; a value
 * it refuses fails start-up naming the property (such as {@code limiter.rate-limiters.api.limit}), see
 * {@link InvalidProperties}.
 *
 * @author limiter
 */
final class LimiterPropertiesMapper {

	private LimiterPropertiesMapper() {
	}

	/**
	 * Maps every configured rate limiter to its spec.
	 * @param properties the properties
	 * @return the specs by limiter name, in configuration order
	 * @throws InvalidConfigurationPropertyValueException if a value is wrong
	 */
	static Map<String, LimitSpec> rateLimitSpecs(LimiterProperties properties) {
		Map<String, LimitSpec> specs = new LinkedHashMap<>();
		properties.getRateLimiters().forEach((name, limiter) -> specs.put(name, rateLimitSpec(name, limiter)));
		return specs;
	}

	/**
	 * Maps one rate limiter to its spec.
	 * @param name the limiter's name
	 * @param limiter its properties
	 * @return the spec
	 * @throws InvalidConfigurationPropertyValueException if a value is wrong or does not apply to the algorithm
	 */
	static LimitSpec rateLimitSpec(String name, LimiterProperties.RateLimiter limiter) {
		String prefix = property("limiter.rate-limiters", name);
		LimiterProperties.Algorithm algorithm = required(prefix + ".algorithm", limiter.getAlgorithm());
		Long limit = limiter.getLimit();
		if (limit == null) {
			throw InvalidProperties.of(prefix + ".limit", null, "Must be set: the number of permits per period.");
		}
		Duration period = required(prefix + ".period", limiter.getPeriod());
		onlyFor(prefix + ".burst", limiter.getBurst(), algorithm, LimiterProperties.Algorithm.TOKEN_BUCKET);
		onlyFor(prefix + ".window", limiter.getWindow(), algorithm, LimiterProperties.Algorithm.SLIDING_WINDOW);
		onlyFor(prefix + ".align", limiter.isAlign() ? Boolean.TRUE : null, algorithm,
				LimiterProperties.Algorithm.FIXED_WINDOW);
		onlyFor(prefix + ".zone", limiter.getZone(), algorithm, LimiterProperties.Algorithm.FIXED_WINDOW);
		required(prefix + ".mode", limiter.getMode());
		try {
			return switch (algorithm) {
				case TOKEN_BUCKET -> new TokenBucketSpec(limit, period,
						(limiter.getBurst() != null) ? limiter.getBurst() : limit);
				case FIXED_WINDOW -> {
					if (limiter.getZone() != null && !limiter.isAlign()) {
						throw InvalidProperties.of(prefix + ".zone", limiter.getZone(),
								"Only applies to aligned windows; set 'align' to true or remove the zone.");
					}
					yield (limiter.getZone() != null) ? new FixedWindowSpec(limit, period, true, limiter.getZone())
							: new FixedWindowSpec(limit, period, limiter.isAlign());
				}
				case SLIDING_WINDOW ->
					new SlidingWindowSpec(limit, (limiter.getWindow() != null) ? limiter.getWindow() : period);
			};
		}
		catch (InvalidSettingException ex) {
			// the specs' names for what the properties call limit and period
			String setting = switch (ex.getSetting()) {
				case "quota" -> "limit";
				case "window" -> (limiter.getWindow() != null) ? "window" : "period";
				default -> ex.getSetting();
			};
			throw InvalidProperties.of(InvalidProperties.property(prefix, setting), ex);
		}
	}

	/**
	 * Checks the values of one circuit breaker that limiter-core cannot: those that must be set.
	 * @param name the breaker's name
	 * @param breaker its properties
	 * @throws InvalidConfigurationPropertyValueException if a value is missing
	 */
	static void checkCircuitBreaker(String name, LimiterProperties.CircuitBreaker breaker) {
		String prefix = property("limiter.circuit-breakers", name);
		required(prefix + ".type", breaker.getType());
		required(prefix + ".mode", breaker.getMode());
		required(prefix + ".window", breaker.getWindow());
		required(prefix + ".slow-call-duration", breaker.getSlowCallDuration());
		required(prefix + ".open-duration", breaker.getOpenDuration());
		required(prefix + ".probe-timeout", breaker.getProbeTimeout());
	}

	/**
	 * Checks the values of one load shedder that limiter-core cannot: those that must be set, and the cap on calls
	 * in flight (limiter-core takes any value below 1 for no cap).
	 * @param name the shedder's name
	 * @param shedder its properties
	 * @throws InvalidConfigurationPropertyValueException if a value is missing or wrong
	 */
	static void checkLoadShedder(String name, LimiterProperties.LoadShedder shedder) {
		String prefix = property("limiter.load-shedders", name);
		required(prefix + ".mode", shedder.getMode());
		required(prefix + ".window", shedder.getWindow());
		required(prefix + ".cool-off", shedder.getCoolOff());
		if (shedder.getMaxConcurrency() < 0) {
			throw InvalidProperties.of(prefix + ".max-concurrency", shedder.getMaxConcurrency(),
					"Must be zero (no cap) or more.");
		}
	}

	/**
	 * Returns the property path of a map entry: {@code prefix.key}, or {@code prefix[key]} when the key needs
	 * brackets (it holds characters other than lower-case letters, digits and dashes).
	 * @param prefix the map's property path
	 * @param key the entry's key
	 * @return the property path
	 */
	static String property(String prefix, String key) {
		for (int i = 0; i < key.length(); i++) {
			char c = key.charAt(i);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
				return prefix + "[" + key + "]";
			}
		}
		return key.isEmpty() ? prefix + "[]" : prefix + "." + key;
	}

	private static void onlyFor(String property, @Nullable Object value, LimiterProperties.Algorithm algorithm,
			LimiterProperties.Algorithm expected) {
		if (value != null && algorithm != expected) {
			throw InvalidProperties.of(property, value, "Only applies to the "
					+ expected.name().toLowerCase().replace('_', '-') + " algorithm, not "
					+ algorithm.name().toLowerCase().replace('_', '-') + ".");
		}
	}

	private static <T> T required(String property, @Nullable T value) {
		if (value == null) {
			throw InvalidProperties.of(property, null, "Must be set.");
		}
		return value;
	}

}
