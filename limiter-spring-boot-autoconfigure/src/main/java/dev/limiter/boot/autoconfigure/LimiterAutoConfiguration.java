package dev.limiter.boot.autoconfigure;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.shedding.Shedder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of limiter: the
 * {@link Clock}, the in-memory rate-limit store ({@code limiter.store=memory}, the default; {@code redis} is
 * {@link dev.limiter.boot.autoconfigure.redis.LimiterRedisAutoConfiguration}) and the registries of the configured rate
 * limiters, circuit breakers and load shedders. Every value is checked while the registries are built, so a wrong
 * configuration fails start-up naming the property.
 *
 * @author limiter
 * @since 0.1.0
 */
@AutoConfiguration(
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@EnableConfigurationProperties(LimiterProperties.class)
public final class LimiterAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Clock limiterClock() {
		return Clock.system();
	}

	@Bean
	@ConditionalOnMissingBean(RateLimitStore.class)
	@ConditionalOnProperty(name = "limiter.store", havingValue = "memory", matchIfMissing = true)
	InMemoryRateLimitStore limiterRateLimitStore(LimiterProperties properties, Clock clock) {
		return CoreFactories.memoryStore(properties, clock);
	}

	@Bean
	@ConditionalOnMissingBean
	RateLimiterRegistry rateLimiterRegistry(LimiterProperties properties, ObjectProvider<RateLimitStore> store) {
		Map<String, LimitSpec> specs = LimiterPropertiesMapper.rateLimitSpecs(properties);
		Map<String, RateLimiter> limiters = new LinkedHashMap<>();
		if (!specs.isEmpty()) {
			RateLimitStore rateLimitStore = store.getIfAvailable();
			if (rateLimitStore == null) {
				throw InvalidProperties.of("limiter.store", properties.getStore(),
						"No RateLimitStore is available for this store; for 'redis' add "
								+ "spring-boot-starter-data-redis and configure a single RedisConnectionFactory, or "
								+ "declare a RateLimitStore bean.");
			}
			for (Map.Entry<String, LimitSpec> spec : specs.entrySet()) {
				int leasePermits = properties.getRateLimiters().get(spec.getKey()).getLeasePermits();
				try {
					limiters.put(spec.getKey(),
							new RateLimiter(spec.getKey(), spec.getValue(), rateLimitStore, leasePermits));
				}
				catch (InvalidSettingException ex) {
					String prefix = LimiterPropertiesMapper.property("limiter.rate-limiters", spec.getKey());
					throw InvalidProperties.of(InvalidProperties.property(prefix, ex.getSetting()), ex);
				}
			}
		}
		return new RateLimiterRegistry(limiters);
	}

	@Bean
	@ConditionalOnMissingBean
	CircuitBreakerRegistry circuitBreakerRegistry(LimiterProperties properties, Clock clock) {
		Configured<Breaker> breakers = Configured.of(properties.getCircuitBreakers(),
				LimiterProperties.CircuitBreaker::getMode, (name, breaker) -> {
					LimiterPropertiesMapper.checkCircuitBreaker(name, breaker);
					return CoreFactories.breaker(name, breaker, clock);
				});
		return new CircuitBreakerRegistry(breakers.instances(), breakers.shadow());
	}

	@Bean
	@ConditionalOnMissingBean
	LoadShedderRegistry loadShedderRegistry(LimiterProperties properties, Clock clock) {
		Configured<Shedder> shedders = Configured.of(properties.getLoadShedders(),
				LimiterProperties.LoadShedder::getMode, (name, shedder) -> {
					LimiterPropertiesMapper.checkLoadShedder(name, shedder);
					return CoreFactories.shedder(name, shedder, clock);
				});
		return new LoadShedderRegistry(shedders.instances(), shedders.shadow());
	}

	/**
	 * The instances of one kind built from their properties, in configuration order, and the names of those in
	 * shadow mode.
	 */
	private record Configured<T>(Map<String, T> instances, Set<String> shadow) {

		static <P, T> Configured<T> of(Map<String, P> properties, Function<P, LimiterProperties.Mode> mode,
				BiFunction<String, P, T> create) {
			Map<String, T> instances = new LinkedHashMap<>();
			Set<String> shadow = new HashSet<>();
			properties.forEach((name, instance) -> {
				instances.put(name, create.apply(name, instance));
				if (mode.apply(instance) == LimiterProperties.Mode.SHADOW) {
					shadow.add(name);
				}
			});
			return new Configured<>(instances, shadow);
		}

	}

}
