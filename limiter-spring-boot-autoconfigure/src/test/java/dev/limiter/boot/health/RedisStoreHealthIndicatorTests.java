package dev.limiter.boot.health;

import java.time.Duration;

import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.FailurePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

class RedisStoreHealthIndicatorTests {

	@Test
	void healthIsUpBeforeAnyOutage() {
		Health health = new RedisStoreHealthIndicator(store(FailurePolicy.LOCAL)).health(true);
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("redis", "available").containsEntry("failurePolicy", "local");
	}

	@ParameterizedTest
	@CsvSource({ "LOCAL, UP", "ALLOW, UP", "DENY, DOWN" })
	void duringAnOutageHealthIsDownOnlyWhenThePolicyRefusesEverything(FailurePolicy policy, String status) {
		RedisRateLimitStore store = store(policy);
		store.acquire("key", TokenBucketSpec.of(10, Duration.ofSeconds(1)), 1);

		Health health = new RedisStoreHealthIndicator(store).health(true);

		assertThat(store.isAvailable()).isFalse();
		assertThat(health.getStatus()).isEqualTo(new Status(status));
		assertThat(health.getDetails()).containsEntry("redis", "unavailable")
			.containsEntry("failurePolicy", policy.name().toLowerCase());
	}

	private static RedisRateLimitStore store(FailurePolicy policy) {
		RedisConnectionFactory factory = mock(RedisConnectionFactory.class);
		given(factory.getConnection()).willThrow(new RedisConnectionFailureException("Redis is down"));
		return RedisRateLimitStore.builder(factory).failurePolicy(policy).build();
	}

}
