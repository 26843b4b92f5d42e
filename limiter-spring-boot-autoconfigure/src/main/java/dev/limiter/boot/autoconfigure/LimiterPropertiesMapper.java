package dev.limiter.boot.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns {@link LimiterProperties} into limit specs, checking every value first: a wrong value fails start-up with
 * an {@link InvalidConfigurationPropertyValueException} naming the full property path (such as
 * {@code limiter.rate-limiters.api.limit}), the value and the rule it breaks; Spring Boot reports it.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterPropertiesMapper {

	private LimiterPropertiesMapper() {
	}

	/**
	 * Checks the store settings.
	 * @param properties the properties
	 * @throws InvalidConfigurationPropertyValueException if a value is wrong
	 */
	public static void checkStore(LimiterProperties properties) {
		if (properties.getMemory().getMaximumKeys() < 1) {
			throw invalid("limiter.memory.maximum-keys", properties.getMemory().getMaximumKeys(), "Must be 1 or more.");
		}
		positive("limiter.redis.timeout", properties.getRedis().getTimeout());
		if (properties.getRedis().getKeyPrefix() == null) {
			throw invalid("limiter.redis.key-prefix", null, "Must be set; use an empty string for no prefix.");
		}
	}

	/**
	 * Maps every configured rate limiter to its spec.
	 * @param properties the properties
	 * @return the specs by limiter name, in configuration order
	 * @throws InvalidConfigurationPropertyValueException if a value is wrong
	 */
	public static Map<String, LimitSpec> rateLimitSpecs(LimiterProperties properties) {
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
	public static LimitSpec rateLimitSpec(String name, LimiterProperties.RateLimiter limiter) {
		String prefix = property("limiter.rate-limiters", name);
		LimiterProperties.Algorithm algorithm = limiter.getAlgorithm();
		if (algorithm == null) {
			throw invalid(prefix + ".algorithm", null, "Must be set.");
		}
		Long limit = limiter.getLimit();
		if (limit == null) {
			throw invalid(prefix + ".limit", null, "Must be set: the number of permits per period.");
		}
		if (limit < 0) {
			throw invalid(prefix + ".limit", limit, "Must be zero or more.");
		}
		positive(prefix + ".period", limiter.getPeriod());
		onlyFor(prefix + ".burst", limiter.getBurst(), algorithm, LimiterProperties.Algorithm.TOKEN_BUCKET);
		onlyFor(prefix + ".window", limiter.getWindow(), algorithm, LimiterProperties.Algorithm.SLIDING_WINDOW);
		onlyFor(prefix + ".align", limiter.isAlign() ? Boolean.TRUE : null, algorithm,
				LimiterProperties.Algorithm.FIXED_WINDOW);
		onlyFor(prefix + ".zone", limiter.getZone(), algorithm, LimiterProperties.Algorithm.FIXED_WINDOW);
		if (limiter.getMode() == null) {
			throw invalid(prefix + ".mode", null, "Must be set.");
		}
		try {
			return switch (algorithm) {
				case TOKEN_BUCKET -> {
					long burst = (limiter.getBurst() != null) ? limiter.getBurst() : limit;
					if (burst < 0) {
						throw invalid(prefix + ".burst", burst, "Must be zero or more.");
					}
					yield new TokenBucketSpec(limit, limiter.getPeriod(), burst);
				}
				case FIXED_WINDOW -> {
					if (limiter.getZone() != null && !limiter.isAlign()) {
						throw invalid(prefix + ".zone", limiter.getZone(),
								"Only applies to aligned windows; set 'align' to true or remove the zone.");
					}
					if (limiter.isAlign() && limiter.getPeriod().getNano() % 1_000_000 != 0) {
						throw invalid(prefix + ".period", limiter.getPeriod(),
								"Must be whole milliseconds for aligned windows.");
					}
					yield (limiter.getZone() != null)
							? new FixedWindowSpec(limit, limiter.getPeriod(), true, limiter.getZone())
							: new FixedWindowSpec(limit, limiter.getPeriod(), limiter.isAlign());
				}
				case SLIDING_WINDOW -> {
					Duration window = (limiter.getWindow() != null) ? limiter.getWindow() : limiter.getPeriod();
					positive(prefix + ".window", window);
					yield new SlidingWindowSpec(limit, window);
				}
			};
		}
		catch (IllegalArgumentException ex) {
			throw invalid(prefix, name, reason(ex.getMessage()));
		}
	}

	/**
	 * Checks one circuit breaker's values.
	 * @param name the breaker's name
	 * @param breaker its properties
	 * @throws InvalidConfigurationPropertyValueException if a value is wrong
	 */
	public static void checkCircuitBreaker(String name, LimiterProperties.CircuitBreaker breaker) {
		String prefix = property("limiter.circuit-breakers", name);
		if (breaker.getType() == null) {
			throw invalid(prefix + ".type", null, "Must be set.");
		}
		if (breaker.getMode() == null) {
			throw invalid(prefix + ".mode", null, "Must be set.");
		}
		if (!(breaker.getK() >= 1.1) || Double.isInfinite(breaker.getK())) {
			throw invalid(prefix + ".k", breaker.getK(),
					"Must be a finite number of at least 1.1; lower values drop calls even while all succeed.");
		}
		if (breaker.getProtection() < 0) {
			throw invalid(prefix + ".protection", breaker.getProtection(), "Must be zero or more.");
		}
		window(prefix, breaker.getWindow(), breaker.getBuckets());
		rate(prefix + ".failure-rate-threshold", breaker.getFailureRateThreshold());
		rate(prefix + ".slow-call-rate-threshold", breaker.getSlowCallRateThreshold());
		positive(prefix + ".slow-call-duration", breaker.getSlowCallDuration());
		if (breaker.getMinimumCalls() < 1) {
			throw invalid(prefix + ".minimum-calls", breaker.getMinimumCalls(), "Must be 1 or more.");
		}
		positive(prefix + ".open-duration", breaker.getOpenDuration());
		if (breaker.getHalfOpenCalls() < 1) {
			throw invalid(prefix + ".half-open-calls", breaker.getHalfOpenCalls(), "Must be 1 or more.");
		}
		positive(prefix + ".probe-timeout", breaker.getProbeTimeout());
	}

	/**
	 * Checks one load shedder's values.
	 * @param name the shedder's name
	 * @param shedder its properties
	 * @throws InvalidConfigurationPropertyValueException if a value is wrong
	 */
	public static void checkLoadShedder(String name, LimiterProperties.LoadShedder shedder) {
		String prefix = property("limiter.load-shedders", name);
		if (shedder.getMode() == null) {
			throw invalid(prefix + ".mode", null, "Must be set.");
		}
		double threshold = shedder.getCpuThreshold();
		if (!(threshold > 0.0 && Math.round(threshold * 1000) < 1000)) {
			throw invalid(prefix + ".cpu-threshold", threshold,
					"Must be a fraction above 0 and at most 0.999, such as 0.9 for 90%.");
		}
		window(prefix, shedder.getWindow(), shedder.getBuckets());
		notNegative(prefix + ".cool-off", shedder.getCoolOff());
		if (shedder.getMaxConcurrency() < 0) {
			throw invalid(prefix + ".max-concurrency", shedder.getMaxConcurrency(),
					"Must be zero (no cap) or more.");
		}
		checkAdaptiveConcurrency(prefix, shedder);
	}

	private static void checkAdaptiveConcurrency(String prefix, LimiterProperties.LoadShedder shedder) {
		if (shedder.getMinLimit() < 1) {
			throw invalid(prefix + ".min-limit", shedder.getMinLimit(), "Must be 1 or more.");
		}
		if (shedder.getMaxLimit() < shedder.getMinLimit()) {
			throw invalid(prefix + ".max-limit", shedder.getMaxLimit(),
					"Must be at least min-limit (" + shedder.getMinLimit() + ").");
		}
		if (shedder.getInitialLimit() < shedder.getMinLimit() || shedder.getInitialLimit() > shedder.getMaxLimit()) {
			throw invalid(prefix + ".initial-limit", shedder.getInitialLimit(),
					"Must be between min-limit and max-limit (" + shedder.getMinLimit() + " to "
							+ shedder.getMaxLimit() + ").");
		}
	}

	/**
	 * Checks every value of the properties except the web rules.
	 * @param properties the properties
	 * @throws InvalidConfigurationPropertyValueException if a value is wrong
	 */
	public static void checkAll(LimiterProperties properties) {
		checkStore(properties);
		rateLimitSpecs(properties);
		properties.getCircuitBreakers().forEach(LimiterPropertiesMapper::checkCircuitBreaker);
		properties.getLoadShedders().forEach(LimiterPropertiesMapper::checkLoadShedder);
	}

	/**
	 * Returns the property path of a map entry: {@code prefix.key}, or {@code prefix[key]} when the key needs
	 * brackets (it holds characters other than lower-case letters, digits and dashes).
	 * @param prefix the map's property path
	 * @param key the entry's key
	 * @return the property path
	 */
	public static String property(String prefix, String key) {
		for (int i = 0; i < key.length(); i++) {
			char c = key.charAt(i);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
				return prefix + "[" + key + "]";
			}
		}
		return key.isEmpty() ? prefix + "[]" : prefix + "." + key;
	}

	/**
	 * Creates the exception reporting a wrong value.
	 * @param property the full property path
	 * @param value the value
	 * @param reason the rule it breaks, a sentence ending with a dot
	 * @return the exception
	 */
	public static InvalidConfigurationPropertyValueException invalid(String property, @Nullable Object value,
			String reason) {
		return new InvalidConfigurationPropertyValueException(property, value, reason);
	}

	/**
	 * Reports a value limiter-core refused: the message's first word, when it names a builder setting
	 * ({@code "halfOpenCalls must be in [1, 100] (was 500)"}), gives the property ({@code .half-open-calls}).
	 * @param prefix the property path of the instance, such as {@code limiter.circuit-breakers.backend}
	 * @param ex what limiter-core threw
	 * @return the exception to throw
	 */
	public static InvalidConfigurationPropertyValueException refused(String prefix, IllegalArgumentException ex) {
		String message = (ex.getMessage() != null) ? ex.getMessage() : "";
		int space = message.indexOf(' ');
		String word = (space > 0) ? message.substring(0, space) : "";
		String property = prefix;
		if (word.matches("[a-z][A-Za-z]*")) {
			property = prefix + "." + word.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
		}
		return new InvalidConfigurationPropertyValueException(property, null, reason(message), ex);
	}

	/** Turns a core message ("burst must be >= 0 (was -1)") into a reason ("Burst must be >= 0 (was -1)."). */
	static String reason(@Nullable String message) {
		if (message == null || message.isEmpty()) {
			return "Invalid value.";
		}
		String reason = Character.toUpperCase(message.charAt(0)) + message.substring(1);
		return reason.endsWith(".") ? reason : reason + ".";
	}

	private static void onlyFor(String property, @Nullable Object value, LimiterProperties.Algorithm algorithm,
			LimiterProperties.Algorithm expected) {
		if (value != null && algorithm != expected) {
			throw invalid(property, value, "Only applies to the " + expected.name().toLowerCase().replace('_', '-')
					+ " algorithm, not " + algorithm.name().toLowerCase().replace('_', '-') + ".");
		}
	}

	private static void window(String prefix, @Nullable Duration window, int buckets) {
		positive(prefix + ".window", window);
		if (buckets < 1) {
			throw invalid(prefix + ".buckets", buckets, "Must be 1 or more.");
		}
		if (window.toMillis() / buckets < 1) {
			throw invalid(prefix + ".window", window,
					"Must be at least 1ms per bucket (" + buckets + " buckets); use a longer window or fewer buckets.");
		}
	}

	private static void rate(String property, double rate) {
		if (!(rate > 0.0 && rate <= 1.0)) {
			throw invalid(property, rate, "Must be a fraction above 0 and at most 1, such as 0.5 for 50%.");
		}
	}

	private static void positive(String property, @Nullable Duration duration) {
		if (duration == null) {
			throw invalid(property, null, "Must be set.");
		}
		if (duration.isNegative() || duration.isZero()) {
			throw invalid(property, duration, "Must be a positive duration, such as 1s or 500ms.");
		}
	}

	private static void notNegative(String property, @Nullable Duration duration) {
		if (duration == null) {
			throw invalid(property, null, "Must be set.");
		}
		if (duration.isNegative()) {
			throw invalid(property, duration, "Must not be negative.");
		}
	}

}
