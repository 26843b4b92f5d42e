package dev.limiter.boot.autoconfigure.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.health.RedisStoreHealthIndicator;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.DecisionSource;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis down, then back, in an application configured by Spring Boot and the starter alone (Boot's Lettuce client
 * resources with the starter's reconnect delay), under {@code on-failure: deny}: with no request at all, the store
 * finds Redis back and health is UP again within a second of Redis answering, and decisions go to Redis.
 */
@RedisServerTest
class LimiterRedisRecoveryTests {

	private static final Logger logger = LoggerFactory.getLogger(LimiterRedisRecoveryTests.class);

	private static final LimitSpec SPEC = new TokenBucketSpec(100, Duration.ofSeconds(1), 100);

	@Test
	void afterAnOutageRedisIsUsedAgainAndHealthIsUpWithinOneSecondWithoutRequests(RedisServerProcess redis) {
		DecisionCounter decisions = new DecisionCounter();
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, LimiterAutoConfiguration.class,
					LimiterRedisAutoConfiguration.class))
			.withBean(RedisRateLimitStore.Listener.class, () -> decisions)
			.withPropertyValues("spring.data.redis.host=" + redis.host(), "spring.data.redis.port=" + redis.port(),
					"limiter.store=redis", "limiter.redis.on-failure=deny")
			.run((context) -> {
				RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
				RedisStoreHealthIndicator health = new RedisStoreHealthIndicator(store);
				await().atMost(Duration.ofSeconds(5)).until(() -> {
					store.acquire("warm-up", SPEC, 1);
					return store.isAvailable();
				});
				redis.kill();
				assertThat(store.acquire("outage", SPEC, 1).allowed()).isFalse();
				assertThat(health.health(false).getStatus()).isEqualTo(Status.DOWN);
				// a long outage: Lettuce's default back-off would have grown to seconds by its end
				await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> !store.isAvailable());
				long requestsBefore = decisions.total();
				redis.restart();
				long restarted = System.nanoTime();
				await().atMost(Duration.ofSeconds(1))
					.pollInterval(Duration.ofMillis(10))
					.until(() -> health.health(false).getStatus().equals(Status.UP));
				long upAfterMillis = (System.nanoTime() - restarted) / 1_000_000;
				logger.info("Health UP again {} ms after Redis restarted, with no request", upAfterMillis);
				assertThat(decisions.total()).as("no request was needed").isEqualTo(requestsBefore);
				long fromRedis = decisions.fromRedis.get();
				assertThat(store.acquire("after", SPEC, 1).allowed()).isTrue();
				assertThat(decisions.fromRedis.get()).isEqualTo(fromRedis + 1);
			});
	}

	/** Counts the store's decisions. */
	static final class DecisionCounter implements RedisRateLimitStore.Listener {

		final AtomicLong fromRedis = new AtomicLong();

		final AtomicLong others = new AtomicLong();

		@Override
		public void onDecision(DecisionSource source, long latencyNanos) {
			(source == DecisionSource.REDIS ? this.fromRedis : this.others).incrementAndGet();
		}

		long total() {
			return this.fromRedis.get() + this.others.get();
		}

	}

}
