package dev.limiter.core.ratelimit.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.limiter.core.ManualClock;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.QuotaState;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.DecisionSource;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.TimeSource;
import dev.limiter.core.redis.testing.RedisClusterProcess;
import dev.limiter.core.redis.testing.RedisConnectionFactories;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * The Redis store on real servers with Redis {@code TIME}: expiry, round trips, scripts, the local cache, exactness.
 */
@RedisServerTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisRateLimitStoreTest {

	private final RedisServerProcess server;

	private final LettuceConnectionFactory factory;

	RedisRateLimitStoreTest(RedisServerProcess server) {
		this.server = server;
		this.factory = RedisConnectionFactories.standalone(server);
	}

	@AfterAll
	void closeFactory() {
		this.factory.destroy();
	}

	/** A timeout for tests that are not about timeouts, generous because the machine running tests may be busy. */
	private static final Duration GENEROUS = Duration.ofSeconds(2);

	private static String key() {
		return "test-" + UUID.randomUUID();
	}

	private long exists(String key) {
		return (Long) this.server.command("EXISTS", "limiter:{" + key + "}");
	}

	@Test
	void keysExpireOnRedisTimeOnceTheyAreFreshAgain() {
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.refusalCacheSize(0)
			.build();
		String window = key();
		String bucket = key();
		String sliding = key();
		LimitSpec windowSpec = new FixedWindowSpec(1, Duration.ofSeconds(1), false);
		LimitSpec bucketSpec = new TokenBucketSpec(10, Duration.ofSeconds(1), 2);
		LimitSpec slidingSpec = new SlidingWindowSpec(1, Duration.ofMillis(150));
		assertThat(store.acquire(window, windowSpec, 1).state()).isEqualTo(QuotaState.HIT_QUOTA);
		assertThat(store.acquire(bucket, bucketSpec, 2).state()).isEqualTo(QuotaState.HIT_QUOTA);
		assertThat(store.acquire(sliding, slidingSpec, 1).state()).isEqualTo(QuotaState.HIT_QUOTA);
		// fresh again after 1 s (the window), 200 ms (the bucket full) and 300 ms (both windows over), plus 1 ms for
		// Redis's millisecond expiry clock
		assertThat((Long) this.server.command("PTTL", "limiter:{" + window + "}")).isBetween(1L, 1001L);
		assertThat((Long) this.server.command("PTTL", "limiter:{" + bucket + "}")).isBetween(1L, 201L);
		assertThat((Long) this.server.command("PTTL", "limiter:{" + sliding + "}")).isBetween(1L, 301L);
		assertThat(store.acquire(window, windowSpec, 1).allowed()).isFalse();
		await().atMost(Duration.ofSeconds(3)).until(() -> exists(window) + exists(bucket) + exists(sliding) == 0);
		assertThat(store.acquire(window, windowSpec, 1).state()).isEqualTo(QuotaState.HIT_QUOTA);
		assertThat(store.acquire(bucket, bucketSpec, 2).state()).isEqualTo(QuotaState.HIT_QUOTA);
	}

	@Test
	void noKeyOutlivesTheLongestKeyTtl() {
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.maximumKeyTtl(Duration.ofSeconds(5))
			.build();
		String neverRefills = key();
		String decades = key();
		store.acquire(neverRefills, new TokenBucketSpec(0, Duration.ofSeconds(1), 3), 1);
		store.acquire(decades, new FixedWindowSpec(3, Duration.ofDays(365L * 30), false), 1);
		assertThat((Long) this.server.command("PTTL", "limiter:{" + neverRefills + "}")).isBetween(1L, 5000L);
		assertThat((Long) this.server.command("PTTL", "limiter:{" + decades + "}")).isBetween(1L, 5000L);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RedisRateLimitStore.builder(this.factory).maximumKeyTtl(Duration.ofNanos(999_999)))
			.withMessageContaining("maximumKeyTtl");
	}

	@Test
	void aFreshStateLeavesNoKeyBehind() {
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory).timeout(GENEROUS).build();
		String key = key();
		assertThat(store.acquire(key, new FixedWindowSpec(0, Duration.ofSeconds(1), false), 1).allowed()).isFalse();
		assertThat(store.acquire(key, new TokenBucketSpec(1, Duration.ofSeconds(1), 1), 2).allowed()).isFalse();
		assertThat(exists(key)).isZero();
	}

	@Test
	void everyDecisionIsOneRoundTripOfOneEvalsha() {
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory).timeout(GENEROUS).build();
		store.acquire(key(), TokenBucketSpec.of(10, Duration.ofSeconds(1)), 1);
		store.acquire(key(), new FixedWindowSpec(10, Duration.ofSeconds(1), true), 1);
		store.acquire(key(), new SlidingWindowSpec(10, Duration.ofSeconds(1)), 1);
		String before = (String) this.server.command("INFO", "commandstats");
		int decisions = 300;
		List<LimitSpec> specs = List.of(TokenBucketSpec.of(10, Duration.ofSeconds(1)),
				new FixedWindowSpec(10, Duration.ofSeconds(1), true), new SlidingWindowSpec(10, Duration.ofSeconds(1)));
		for (int i = 0; i < decisions; i++) {
			assertThat(store.acquire(key(), specs.get(i % 3), 1).allowed()).isTrue();
		}
		Map<String, Long> calls = callsSince(before);
		// the client sent one EVALSHA per decision and nothing else (INFO reads these statistics); the script itself
		// ran TIME, HMGET (windows) or HGETALL (buckets, whose hash also holds their leases), HSET and PEXPIRE inside
		// Redis, without a round trip
		assertThat(calls).containsEntry("evalsha", (long) decisions)
			.containsEntry("hmget", decisions * 2L / 3)
			.containsEntry("hgetall", decisions / 3L)
			.containsEntry("info", 1L);
		assertThat(calls.keySet()).containsOnly("evalsha", "time", "hmget", "hgetall", "hset", "pexpire", "info");
	}

	private Map<String, Long> callsSince(String before) {
		Map<String, Long> calls = commandCalls((String) this.server.command("INFO", "commandstats"));
		commandCalls(before).forEach((command, count) -> calls.merge(command, -count, Long::sum));
		calls.values().removeIf((count) -> count == 0);
		return calls;
	}

	private static Map<String, Long> commandCalls(String info) {
		Map<String, Long> calls = new HashMap<>();
		info.lines()
			.filter((line) -> line.startsWith("cmdstat_"))
			.forEach((line) -> calls.put(line.substring(8, line.indexOf(':')),
					Long.parseLong(line.replaceAll(".*:calls=(\\d+),.*", "$1"))));
		return calls;
	}

	@Test
	void scriptFlushIsRecoveredTransparently() {
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory).timeout(GENEROUS).build();
		String key = key();
		LimitSpec spec = new FixedWindowSpec(3, Duration.ofSeconds(30), false);
		assertThat(store.acquire(key, spec, 1).state()).isEqualTo(QuotaState.ALLOWED);
		this.server.command("SCRIPT", "FLUSH");
		long evalBefore = this.server.commandCalls("eval");
		assertThat(store.acquire(key, spec, 1).state()).isEqualTo(QuotaState.ALLOWED);
		assertThat(this.server.commandCalls("eval") - evalBefore).as("the script is sent once").isEqualTo(1);
		assertThat(store.acquire(key, spec, 1).state()).isEqualTo(QuotaState.HIT_QUOTA);
		assertThat(this.server.commandCalls("eval") - evalBefore).as("then known again").isEqualTo(1);
		assertThat(store.isAvailable()).isTrue();
	}

	@Test
	void theDriverNeutralRunnerAlsoReloadsFlushedScripts() throws Exception {
		// the path for connection factories other than Lettuce's, exercised here over Lettuce
		ScriptRunner runner = new ConnectionScriptRunner(this.factory);
		PreparedSpec prepared = PreparedSpec.of(new FixedWindowSpec(2, Duration.ofSeconds(30), false),
				RedisRateLimitStore.DEFAULT_MAXIMUM_KEY_TTL.toMillis());
		byte[] key = ("limiter:{" + key() + "}").getBytes(StandardCharsets.UTF_8);
		this.server.command("SCRIPT", "FLUSH");
		assertThat(runner.run(prepared.script, key, prepared.arguments(Long.MIN_VALUE, 1), 0)).containsExactly(1L, 1L,
				0L, 30_000_000L);
		List<Object> second = runner.run(prepared.script, key, prepared.arguments(Long.MIN_VALUE, 1), 0);
		assertThat(second.subList(0, 3)).containsExactly(1L, 0L, 0L);
		assertThat((Long) second.get(3)).isBetween(1L, 30_000_000L);
	}

	@Test
	void aKnownEmptyKeyIsRefusedLocallyUntilItsRetryTime() {
		AtomicLong fromRedis = new AtomicLong();
		AtomicLong fromCache = new AtomicLong();
		RedisRateLimitStore.Listener counter = new RedisRateLimitStore.Listener() {
			@Override
			public void onDecision(DecisionSource source, long latencyNanos) {
				(source == DecisionSource.REDIS ? fromRedis : fromCache).incrementAndGet();
			}
		};
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.listener(counter)
			.build();
		String key = key();
		LimitSpec spec = new FixedWindowSpec(2, Duration.ofSeconds(1), false);
		assertThat(store.acquire(key, spec, 2).state()).isEqualTo(QuotaState.HIT_QUOTA);
		long evalshaBefore = this.server.commandCalls("evalsha");
		Decision first = store.acquire(key, spec, 1);
		assertThat(first.allowed()).isFalse();
		int refusedWithinRetryTime = 0;
		for (int i = 0; i < 10_000; i++) {
			Decision decision = store.acquire(key, spec, 1);
			if (!decision.allowed() && decision.retryAfter().compareTo(first.retryAfter()) <= 0
					&& !decision.retryAfter().isZero() && !decision.retryAfter().isNegative()) {
				refusedWithinRetryTime++;
			}
		}
		assertThat(refusedWithinRetryTime).isEqualTo(10_000);
		assertThat(this.server.commandCalls("evalsha") - evalshaBefore).as("only the first refusal asked Redis")
			.isEqualTo(1);
		assertThat(fromCache.get()).isEqualTo(10_000);
		await().atMost(Duration.ofSeconds(2)).until(() -> store.acquire(key, spec, 1).allowed());
	}

	@Test
	void aRefusalOfSeveralPermitsAnswersRequestsOfAsManyOrMoreLocallyUntilItsRetryTime() {
		ManualClock clock = new ManualClock();
		List<DecisionSource> sources = new ArrayList<>();
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.clock(clock)
			.timeSource(TimeSource.CLIENT)
			.listener(new RedisRateLimitStore.Listener() {
				@Override
				public void onDecision(DecisionSource source, long latencyNanos) {
					sources.add(source);
				}
			})
			.build();
		String key = key();
		LimitSpec spec = new TokenBucketSpec(10, Duration.ofSeconds(1), 10);
		assertThat(store.acquire(key, spec, 8).remaining()).isEqualTo(2);
		long evalshaBefore = this.server.commandCalls("evalsha");
		Decision refused = store.acquire(key, spec, 3);
		assertThat(refused).isEqualTo(new Decision(false, 10, 2, Duration.ofMillis(100), Duration.ofMillis(800)));
		// the same request, and larger ones (whose retry time is then a lower bound), are refused locally
		assertThat(store.acquire(key, spec, 3)).isEqualTo(refused);
		assertThat(store.acquire(key, spec, 5)).isEqualTo(refused);
		clock.advance(Duration.ofMillis(50));
		assertThat(store.acquire(key, spec, 4))
			.isEqualTo(new Decision(false, 10, 2, Duration.ofMillis(50), Duration.ofMillis(750)));
		// fewer permits, or more than the burst, ask Redis
		assertThat(store.acquire(key, spec, 2).allowed()).isTrue();
		assertThat(store.acquire(key, spec, 11).retryAfter()).isGreaterThan(Duration.ofDays(365));
		// from the retry time on, Redis decides again
		clock.advance(Duration.ofMillis(50));
		assertThat(store.acquire(key, spec, 3))
			.isEqualTo(new Decision(false, 10, 1, Duration.ofMillis(200), Duration.ofMillis(900)));
		assertThat(sources.subList(1, sources.size())).containsExactly(DecisionSource.REDIS, DecisionSource.CACHE,
				DecisionSource.CACHE, DecisionSource.CACHE, DecisionSource.REDIS, DecisionSource.REDIS,
				DecisionSource.REDIS);
		assertThat(this.server.commandCalls("evalsha") - evalshaBefore).isEqualTo(4);
	}

	@Test
	void aFixedWindowsLocalRefusalIsExactlyWhatRedisAnswers() {
		ManualClock clock = new ManualClock();
		RedisRateLimitStore cached = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.clock(clock)
			.timeSource(TimeSource.CLIENT)
			.build();
		RedisRateLimitStore uncached = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.clock(clock)
			.timeSource(TimeSource.CLIENT)
			.refusalCacheSize(0)
			.build();
		String key = key();
		LimitSpec spec = new FixedWindowSpec(10, Duration.ofSeconds(1), false);
		assertThat(cached.acquire(key, spec, 9).allowed()).isTrue();
		assertThat(cached.acquire(key, spec, 2).allowed()).isFalse();
		long evalshaBefore = this.server.commandCalls("evalsha");
		for (int permits = 2; permits <= 10; permits++) {
			clock.advance(Duration.ofMillis(10));
			assertThat(cached.acquire(key, spec, permits)).isEqualTo(uncached.acquire(key, spec, permits));
		}
		assertThat(this.server.commandCalls("evalsha") - evalshaBefore).as("only the uncached store asked Redis")
			.isEqualTo(9);
	}

	@Test
	void anInterruptedCallerIsAnsweredByThePolicyAndKeepsItsInterruptFlag() {
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory).timeout(GENEROUS).build();
		String key = key();
		LimitSpec spec = new FixedWindowSpec(5, Duration.ofSeconds(10), false);
		assertThat(store.acquire(key, spec, 1).allowed()).isTrue();
		Thread.currentThread().interrupt();
		try {
			assertThat(store.acquire(key, spec, 1).allowed()).isTrue();
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
		}
		finally {
			Thread.interrupted();
		}
		assertThat(store.isAvailable()).as("an interrupt is no Redis failure").isTrue();
	}

	@Test
	void exactUnderConcurrencyFromTwoInstancesOnStandalone() throws InterruptedException {
		LettuceConnectionFactory second = RedisConnectionFactories.standalone(this.server);
		try {
			assertExactUnderConcurrency(this.factory, second);
		}
		finally {
			second.destroy();
		}
	}

	@Test
	void exactUnderConcurrencyFromTwoInstancesOnCluster(RedisClusterProcess cluster) throws InterruptedException {
		LettuceConnectionFactory first = RedisConnectionFactories.cluster(cluster);
		LettuceConnectionFactory second = RedisConnectionFactories.cluster(cluster);
		try {
			assertExactUnderConcurrency(first, second);
		}
		finally {
			first.destroy();
			second.destroy();
		}
	}

	/**
	 * 8 threads, 4 per instance (store and connection factory), take one permit at a time from one key for 3 s: the
	 * bucket admits at most {@code burst + floor(rate × T)} over the time T it was asked, and at least 99 % of it.
	 */
	private static void assertExactUnderConcurrency(RedisConnectionFactory first, RedisConnectionFactory second)
			throws InterruptedException {
		// a burst larger than the run refills: the bucket never fills up again, so callers starved for a while (a
		// busy test machine) lose nothing, and only the last instants of the run are lost to the 1 % margin
		long burst = 2000;
		long rate = 500;
		TokenBucketSpec spec = new TokenBucketSpec(rate, Duration.ofSeconds(1), burst);
		String key = key();
		AtomicLong admitted = new AtomicLong();
		AtomicLong fallbacks = new AtomicLong();
		RedisRateLimitStore.Listener countFallbacks = new RedisRateLimitStore.Listener() {
			@Override
			public void onDecision(DecisionSource source, long latencyNanos) {
				if (source == DecisionSource.FALLBACK) {
					fallbacks.incrementAndGet();
				}
			}
		};
		List<RedisRateLimitStore> stores = List.of(
				RedisRateLimitStore.builder(first).timeout(Duration.ofSeconds(2)).listener(countFallbacks).build(),
				RedisRateLimitStore.builder(second).timeout(Duration.ofSeconds(2)).listener(countFallbacks).build());
		ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
		long runNanos = Duration.ofSeconds(3).toNanos();
		List<Thread> threads = new ArrayList<>();
		// connect both instances (and learn the cluster's topology) before the clock starts
		stores.forEach((store) -> store.acquire(key(), spec, 1));
		long start = System.nanoTime();
		long deadline = start + runNanos;
		for (int t = 0; t < 8; t++) {
			RedisRateLimitStore store = stores.get(t % 2);
			Thread thread = new Thread(() -> {
				try {
					while (System.nanoTime() < deadline) {
						Decision decision = store.acquire(key, spec, 1);
						if (decision.allowed()) {
							admitted.incrementAndGet();
						}
						else {
							LockSupport.parkNanos(100_000);
						}
					}
				}
				catch (Throwable ex) {
					errors.add(ex);
				}
			});
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		long elapsed = System.nanoTime() - start;
		stores.forEach((store) -> {
			assertThat(store.isAvailable()).isTrue();
			store.close();
		});
		assertThat(errors).isEmpty();
		// at most what the bucket can give from the first decision to the end of the last one; at least 99 % of what
		// it gave until the callers stopped asking
		long ceiling = burst + (long) Math.floor(rate * (elapsed / 1e9));
		long floor = (long) Math.ceil(0.99 * (burst + rate * (runNanos / 1e9)));
		assertThat(fallbacks.get()).isZero();
		assertThat(admitted.get()).isLessThanOrEqualTo(ceiling).isGreaterThanOrEqualTo(floor);
	}

}
