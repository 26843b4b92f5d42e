package dev.limiter.core.ratelimit.redis;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.redis.testing.RedisConnectionFactories;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood of client-chosen keys cannot fill Redis: for every kind of spec, edge cases included (a limit or burst of
 * 0, a bucket that never refills, periods of decades), every key the store leaves in Redis has a TTL, at most the
 * store's longest key TTL.
 */
@RedisServerTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisKeyExpiryTest {

	private static final int KEYS = 200;

	private static final Duration DECADES = Duration.ofDays(365L * 30);

	private final RedisServerProcess server;

	private final LettuceConnectionFactory factory;

	RedisKeyExpiryTest(RedisServerProcess server) {
		this.server = server;
		this.factory = RedisConnectionFactories.standalone(server);
	}

	@AfterAll
	void closeFactory() {
		this.factory.destroy();
	}

	static Stream<Arguments> specs() {
		return Stream.of(
				Arguments.of("token bucket that never refills", new TokenBucketSpec(0, Duration.ofSeconds(1), 5)),
				Arguments.of("token bucket, burst 0", new TokenBucketSpec(10, Duration.ofSeconds(1), 0)),
				Arguments.of("token bucket, limit and burst 0", new TokenBucketSpec(0, Duration.ofSeconds(1), 0)),
				Arguments.of("token bucket", new TokenBucketSpec(1000, Duration.ofSeconds(1), 1000)),
				Arguments.of("token bucket, 1 per 30 years", new TokenBucketSpec(1, DECADES, 3)),
				Arguments.of("fixed window, quota 0", new FixedWindowSpec(0, Duration.ofSeconds(1), false)),
				Arguments.of("fixed window", new FixedWindowSpec(3, Duration.ofSeconds(1), false)),
				Arguments.of("fixed window, aligned", new FixedWindowSpec(3, Duration.ofSeconds(1), true)),
				Arguments.of("fixed window, aligned in a zone with DST",
						new FixedWindowSpec(3, Duration.ofDays(1), true, ZoneId.of("Europe/Paris"))),
				Arguments.of("fixed window, 30 years", new FixedWindowSpec(2, DECADES, false)),
				Arguments.of("sliding window, limit 0", new SlidingWindowSpec(0, Duration.ofSeconds(1))),
				Arguments.of("sliding window", new SlidingWindowSpec(3, Duration.ofSeconds(1))),
				Arguments.of("sliding window, 30 years", new SlidingWindowSpec(2, DECADES)));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("specs")
	void everyKeyLeftInRedisExpires(String name, LimitSpec spec) {
		String prefix = "flood-" + UUID.randomUUID() + ":";
		try (RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory)
			.keyPrefix(prefix)
			.timeout(Duration.ofSeconds(2))
			.build()) {
			for (int i = 0; i < KEYS; i++) {
				String key = "client-" + i;
				// fresh, partly used, exhausted, and asked for more than it ever holds
				store.acquire(key, spec, 1);
				if (i % 2 == 0) {
					for (int j = 0; j < 6; j++) {
						store.acquire(key, spec, 1);
					}
				}
				if (i % 3 == 0) {
					store.acquire(key, spec, 2);
					store.acquire(key, spec, Integer.MAX_VALUE);
				}
			}
			assertThat(store.isAvailable()).isTrue();
		}
		@SuppressWarnings("unchecked")
		List<Object> keys = (List<Object>) this.server.command("KEYS", prefix + "*");
		long longest = RedisRateLimitStore.DEFAULT_MAXIMUM_KEY_TTL.toMillis();
		for (Object key : keys) {
			// -1: no TTL; -2: expired since KEYS listed it
			assertThat((Long) this.server.command("PTTL", key)).as("PTTL of %s", key)
				.isNotEqualTo(-1L)
				.isLessThanOrEqualTo(longest + 1);
		}
	}

}
