package dev.limiter.boot.autoconfigure.redis;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.limiter.boot.autoconfigure.InvalidProperties;
import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.core.Clock;
import dev.limiter.core.InvalidSettingException;
import dev.limiter.core.ratelimit.RateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} of the Redis store
 * ({@code limiter.store=redis}): a {@link RedisRateLimitStore} over the application's own
 * {@link RedisConnectionFactory}, with {@code limiter.redis.key-prefix}, {@code timeout}, {@code on-failure},
 * {@code probe-interval} and {@code maximum-key-ttl}; the local fallback store is bounded by
 * {@code limiter.memory.maximum-keys}. With Lettuce, Lettuce's reconnect back-off is capped at
 * {@code limiter.redis.reconnect-delay} in the client resources Spring Boot creates. Needs Spring Data Redis
 * ({@code spring-boot-starter-data-redis}).
 *
 * @author limiter
 * @since 0.1.0
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(RedisConnectionFactory.class)
@ConditionalOnProperty(name = "limiter.store", havingValue = "redis")
@Import(LimiterRedisAutoConfiguration.LettuceReconnectConfiguration.class)
public final class LimiterRedisAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(RateLimitStore.class)
	@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
	RedisRateLimitStore limiterRateLimitStore(LimiterProperties properties, RedisConnectionFactory connectionFactory,
			Clock clock, ObjectProvider<RedisRateLimitStore.Listener> listener) {
		LimiterProperties.Redis redis = properties.getRedis();
		if (redis.getKeyPrefix() == null) {
			throw InvalidProperties.of("limiter.redis.key-prefix", null,
					"Must be set; use an empty string for no prefix.");
		}
		try {
			RedisRateLimitStore.Builder builder = RedisRateLimitStore.builder(connectionFactory);
			RedisRateLimitStore.Listener unique = listener.getIfUnique();
			if (unique != null) {
				builder.listener(unique);
			}
			return builder
				.keyPrefix(redis.getKeyPrefix())
				.timeout(redis.getTimeout())
				.failurePolicy(RedisRateLimitStore.FailurePolicy.valueOf(redis.getOnFailure().name()))
				.probeInterval(redis.getProbeInterval())
				.maximumKeyTtl(redis.getMaximumKeyTtl())
				.localMaximumKeys(properties.getMemory().getMaximumKeys())
				.clock(clock)
				.build();
		}
		catch (InvalidSettingException ex) {
			throw InvalidProperties.of(ex.getSetting().equals("localMaximumKeys") ? "limiter.memory.maximum-keys"
					: InvalidProperties.property("limiter.redis", ex.getSetting()), ex);
		}
	}

	/**
	 * Shortens Lettuce's reconnect back-off in the client resources Spring Boot creates, so that decisions use
	 * Redis again soon after it answers; not applied to client resources the application defines itself, and
	 * overridden by the application's own {@link ClientResourcesBuilderCustomizer}s, which run after it.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ClientResources.class, ClientResourcesBuilderCustomizer.class })
	static class LettuceReconnectConfiguration {

		@Bean
		LimiterReconnectDelayCustomizer limiterReconnectDelayCustomizer(LimiterProperties properties) {
			Duration delay = properties.getRedis().getReconnectDelay();
			if (delay == null || delay.isNegative() || delay.isZero()) {
				throw InvalidProperties.of("limiter.redis.reconnect-delay", delay, "Must be positive.");
			}
			return new LimiterReconnectDelayCustomizer(delay);
		}

	}

	/** Sets an exponential reconnect delay (0 ms, 1 ms, 2 ms, …) capped at {@code limiter.redis.reconnect-delay}. */
	static final class LimiterReconnectDelayCustomizer implements ClientResourcesBuilderCustomizer, Ordered {

		private final Duration maximumDelay;

		LimiterReconnectDelayCustomizer(Duration maximumDelay) {
			this.maximumDelay = maximumDelay;
		}

		@Override
		public void customize(ClientResources.Builder builder) {
			builder.reconnectDelay(Delay.exponential(Duration.ZERO, this.maximumDelay, 2, TimeUnit.MILLISECONDS));
		}

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

	}

}
