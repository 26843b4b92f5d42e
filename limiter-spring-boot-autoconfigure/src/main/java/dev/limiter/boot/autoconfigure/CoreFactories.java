package dev.limiter.boot.autoconfigure;

import dev.limiter.boot.registry.CappedShedder;
import dev.limiter.core.Clock;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Shedder;

/**
 * Creates the limiter-core instances the (checked) properties describe: the one seam between the Boot layer and
 * limiter-core's implementations. A value limiter-core refuses still fails start-up naming the property.
 */
final class CoreFactories {

	private CoreFactories() {
	}

	static InMemoryRateLimitStore memoryStore(LimiterProperties properties, Clock clock) {
		return InMemoryRateLimitStore.builder()
			.clock(clock)
			.maximumKeys(properties.getMemory().getMaximumKeys())
			.build();
	}

	static Breaker breaker(String name, LimiterProperties.CircuitBreaker properties, Clock clock) {
		String prefix = LimiterPropertiesMapper.property("limiter.circuit-breakers", name);
		try {
			return switch (properties.getType()) {
				case ADAPTIVE -> SreBreaker.builder(name)
					.k(properties.getK())
					.protection(properties.getProtection())
					.window(properties.getWindow())
					.buckets(properties.getBuckets())
					.clock(clock)
					.build();
				case THRESHOLD -> ThresholdBreaker.builder(name)
					.failureRateThreshold(properties.getFailureRateThreshold())
					.slowCallRateThreshold(properties.getSlowCallRateThreshold())
					.slowCallDuration(properties.getSlowCallDuration())
					.window(properties.getWindow())
					.buckets(properties.getBuckets())
					.minimumCalls(properties.getMinimumCalls())
					.openDuration(properties.getOpenDuration())
					.halfOpenCalls(properties.getHalfOpenCalls())
					.probeTimeout(properties.getProbeTimeout())
					.clock(clock)
					.build();
			};
		}
		catch (IllegalArgumentException ex) {
			throw LimiterPropertiesMapper.refused(prefix, ex);
		}
	}

	static Shedder shedder(String name, LimiterProperties.LoadShedder properties, Clock clock) {
		String prefix = LimiterPropertiesMapper.property("limiter.load-shedders", name);
		try {
			Shedder adaptive = (properties.getType() == LimiterProperties.ShedderType.ADAPTIVE_CONCURRENCY)
					? adaptiveConcurrency(name, properties, clock) : AdaptiveShedder.builder()
				.name(name)
				.cpuThreshold(properties.getCpuThreshold())
				.window(properties.getWindow())
				.buckets(properties.getBuckets())
				.coolOff(properties.getCoolOff())
				.priority(properties.isPriority())
				.clock(clock)
				.build();
			if (properties.getMaxConcurrency() <= 0) {
				return adaptive;
			}
			return new CappedShedder(ConcurrencyLimiter.of(name, properties.getMaxConcurrency()), adaptive);
		}
		catch (IllegalArgumentException ex) {
			throw LimiterPropertiesMapper.refused(prefix, ex);
		}
	}

	private static AdaptiveConcurrencyLimiter adaptiveConcurrency(String name, LimiterProperties.LoadShedder properties,
			Clock clock) {
		return AdaptiveConcurrencyLimiter.builder()
			.name(name)
			.initialLimit(properties.getInitialLimit())
			.minLimit(properties.getMinLimit())
			.maxLimit(properties.getMaxLimit())
			.clock(clock)
			.build();
	}

}
