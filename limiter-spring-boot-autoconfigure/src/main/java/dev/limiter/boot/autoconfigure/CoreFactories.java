package dev.limiter.boot.autoconfigure;

import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.CappedShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Shedder;

/**
 * Creates the limiter-core instances the properties describe: the one seam between the Boot layer and limiter-core's
 * implementations. limiter-core's builders check the values; one they refuse fails start-up naming the property.
 * Every value is checked, also one the configured type does not use: by the builder of the type that uses it.
 */
final class CoreFactories {

	private CoreFactories() {
	}

	static InMemoryRateLimitStore memoryStore(LimiterProperties properties, Clock clock) {
		try {
			return InMemoryRateLimitStore.builder()
				.clock(clock)
				.maximumKeys(properties.getMemory().getMaximumKeys())
				.build();
		}
		catch (InvalidSettingException ex) {
			throw InvalidProperties.of("limiter.memory.maximum-keys", ex);
		}
	}

	static Breaker breaker(String name, LimiterProperties.CircuitBreaker properties, Clock clock) {
		String prefix = LimiterPropertiesMapper.property("limiter.circuit-breakers", name);
		try {
			SreBreaker.Builder adaptive = SreBreaker.builder(name)
				.k(properties.getK())
				.protection(properties.getProtection())
				.clock(clock);
			ThresholdBreaker.Builder threshold = ThresholdBreaker.builder(name)
				.failureRateThreshold(properties.getFailureRateThreshold())
				.slowCallRateThreshold(properties.getSlowCallRateThreshold())
				.slowCallDuration(properties.getSlowCallDuration())
				.minimumCalls(properties.getMinimumCalls())
				.openDuration(properties.getOpenDuration())
				.halfOpenCalls(properties.getHalfOpenCalls())
				.probeTimeout(properties.getProbeTimeout())
				.clock(clock);
			return switch (properties.getType()) {
				case ADAPTIVE -> adaptive.window(properties.getWindow()).buckets(properties.getBuckets()).build();
				case THRESHOLD -> threshold.window(properties.getWindow()).buckets(properties.getBuckets()).build();
			};
		}
		catch (InvalidSettingException ex) {
			throw InvalidProperties.of(InvalidProperties.property(prefix, ex.getSetting()), ex);
		}
	}

	static Shedder shedder(String name, LimiterProperties.LoadShedder properties, Clock clock) {
		String prefix = LimiterPropertiesMapper.property("limiter.load-shedders", name);
		try {
			AdaptiveShedder.Builder cpu = AdaptiveShedder.builder()
				.name(name)
				.cpuThreshold(properties.getCpuThreshold())
				.window(properties.getWindow())
				.buckets(properties.getBuckets())
				.coolOff(properties.getCoolOff())
				.priority(properties.isPriority())
				.clock(clock);
			AdaptiveConcurrencyLimiter concurrency = AdaptiveConcurrencyLimiter.builder()
				.name(name)
				.initialLimit(properties.getInitialLimit())
				.minLimit(properties.getMinLimit())
				.maxLimit(properties.getMaxLimit())
				.clock(clock)
				.build();
			Shedder adaptive = (properties.getType() == LimiterProperties.ShedderType.ADAPTIVE_CONCURRENCY)
					? concurrency : cpu.build();
			if (properties.getMaxConcurrency() <= 0) {
				return adaptive;
			}
			return new CappedShedder(ConcurrencyLimiter.of(name, properties.getMaxConcurrency()), adaptive);
		}
		catch (InvalidSettingException ex) {
			throw InvalidProperties.of(InvalidProperties.property(prefix, ex.getSetting()), ex);
		}
	}

}
