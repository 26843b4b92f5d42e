package dev.limiter.core.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.limiter.core.ManualClock;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.DecisionSource;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.TimeSource;
import dev.limiter.core.redis.testing.RedisClusterProcess;
import dev.limiter.core.redis.testing.RedisConnectionFactories;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leases on real servers: several instances never admit more than the limit together, and no less than the limit
 * minus instances × lease size; the lease's size follows the key's local rate ({@link ManualClock}); a key near its
 * limit is decided exactly; a token bucket refills only up to its capacity minus what leases hold.
 */
@RedisServerTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisLeaseTest {

	private static final Duration GENEROUS = Duration.ofSeconds(2);

	private final RedisServerProcess server;

	private final LettuceConnectionFactory factory;

	RedisLeaseTest(RedisServerProcess server) {
		this.server = server;
		this.factory = RedisConnectionFactories.standalone(server);
	}

	@AfterAll
	void closeFactory() {
		this.factory.destroy();
	}

	private static String name() {
		return "lease-" + UUID.randomUUID();
	}

	static Stream<LimitSpec> specs() {
		// nothing refills or rolls over during the run: the limit is the number of permits the key gives at all
		return Stream.of(new TokenBucketSpec(1, Duration.ofHours(1), 3000),
				new FixedWindowSpec(3000, Duration.ofHours(1), false),
				new SlidingWindowSpec(3000, Duration.ofHours(1)));
	}

	@ParameterizedTest
	@MethodSource("specs")
	void fourInstancesNeverAdmitMoreThanTheLimitOnStandalone(LimitSpec spec) throws InterruptedException {
		List<LettuceConnectionFactory> factories = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			factories.add(RedisConnectionFactories.standalone(this.server));
		}
		try {
			assertLeasedExactness(factories, spec, () -> this.server.commandCalls("evalsha"));
		}
		finally {
			factories.forEach(LettuceConnectionFactory::destroy);
		}
	}

	@ParameterizedTest
	@MethodSource("specs")
	void fourInstancesNeverAdmitMoreThanTheLimitOnCluster(LimitSpec spec, RedisClusterProcess cluster)
			throws InterruptedException {
		List<LettuceConnectionFactory> factories = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			factories.add(RedisConnectionFactories.cluster(cluster));
		}
		try {
			assertLeasedExactness(factories, spec, () -> cluster.commandCalls("evalsha"));
		}
		finally {
			factories.forEach(LettuceConnectionFactory::destroy);
		}
	}

	/**
	 * Four instances (store, connection factory, limiter leasing up to 50 permits), sixteen threads each, take one
	 * permit at a time from one key until it is long empty: together they admit at most the limit and at least the
	 * limit minus 4 × 50, in far fewer Redis calls than decisions.
	 */
	private static void assertLeasedExactness(List<LettuceConnectionFactory> factories, LimitSpec spec,
			LongSupplier evalshaCalls) throws InterruptedException {
		int leasePermits = 50;
		long limit = 3000;
		String name = name();
		Map<DecisionSource, LongAdder> sources = new ConcurrentHashMap<>();
		RedisRateLimitStore.Listener counter = new RedisRateLimitStore.Listener() {
			@Override
			public void onDecision(DecisionSource source, long latencyNanos) {
				sources.computeIfAbsent(source, (s) -> new LongAdder()).increment();
			}
		};
		List<RedisRateLimitStore> stores = new ArrayList<>();
		List<RateLimiter> limiters = new ArrayList<>();
		for (LettuceConnectionFactory factory : factories) {
			RedisRateLimitStore store = RedisRateLimitStore.builder(factory)
				.timeout(GENEROUS)
				.listener(counter)
				.build();
			stores.add(store);
			limiters.add(new RateLimiter(name, spec, store, leasePermits));
			// connect (and learn the cluster's topology) before the run
			store.acquire(name(), spec, 1);
		}
		sources.clear();
		long evalshaBefore = evalshaCalls.getAsLong();
		LeaseWorkload.Result result = LeaseWorkload.run(limiters, 16, "hot");
		long redisCalls = evalshaCalls.getAsLong() - evalshaBefore;
		stores.forEach((store) -> {
			assertThat(store.isAvailable()).isTrue();
			store.close();
		});
		assertThat(result.errors()).isEmpty();
		assertThat(sources).doesNotContainKey(DecisionSource.FALLBACK);
		assertThat(result.admitted()).isLessThanOrEqualTo(limit).isGreaterThanOrEqualTo(limit - 4 * leasePermits);
		assertThat(sources.get(DecisionSource.LEASE).sum()).as("decisions spent from leases")
			.isGreaterThan(result.admitted() / 2);
		assertThat(redisCalls).as("Redis calls for %d admitted of %d decisions", result.admitted(), result.decisions())
			.isLessThan(result.admitted() / 4);
	}

	/**
	 * A refilling bucket under leases: 4 instances × 4 threads for 2 s never admit more than the burst plus what the
	 * bucket refilled from the first decision to the last.
	 */
	@Test
	void aRefillingBucketNeverAdmitsMoreThanItsBurstPlusItsRefill() throws InterruptedException {
		long burst = 1000;
		long rate = 2000;
		TokenBucketSpec spec = new TokenBucketSpec(rate, Duration.ofSeconds(1), burst);
		String name = name();
		List<LettuceConnectionFactory> factories = new ArrayList<>();
		List<RedisRateLimitStore> stores = new ArrayList<>();
		List<RateLimiter> limiters = new ArrayList<>();
		AtomicLong fallbacks = new AtomicLong();
		for (int i = 0; i < 4; i++) {
			LettuceConnectionFactory factory = RedisConnectionFactories.standalone(this.server);
			factories.add(factory);
			RedisRateLimitStore store = RedisRateLimitStore.builder(factory)
				.timeout(GENEROUS)
				.listener(new RedisRateLimitStore.Listener() {
					@Override
					public void onDecision(DecisionSource source, long latencyNanos) {
						if (source == DecisionSource.FALLBACK) {
							fallbacks.incrementAndGet();
						}
					}
				})
				.build();
			store.acquire(name(), spec, 1);
			stores.add(store);
			limiters.add(new RateLimiter(name, spec, store, 50));
		}
		AtomicLong admitted = new AtomicLong();
		ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
		long start = System.nanoTime();
		long deadline = start + Duration.ofSeconds(2).toNanos();
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < 16; t++) {
			RateLimiter limiter = limiters.get(t % 4);
			Thread thread = new Thread(() -> {
				try {
					while (System.nanoTime() < deadline) {
						if (limiter.acquire("hot").allowed()) {
							admitted.incrementAndGet();
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
		stores.forEach(RedisRateLimitStore::close);
		factories.forEach(LettuceConnectionFactory::destroy);
		assertThat(errors).isEmpty();
		assertThat(fallbacks.get()).isZero();
		assertThat(admitted.get()).isLessThanOrEqualTo(burst + (long) Math.floor(rate * (elapsed / 1e9)));
	}

	private RedisRateLimitStore clientTimeStore(ManualClock clock, Map<DecisionSource, LongAdder> sources) {
		return RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.clock(clock)
			.timeSource(TimeSource.CLIENT)
			.listener(new RedisRateLimitStore.Listener() {
				@Override
				public void onDecision(DecisionSource source, long latencyNanos) {
					sources.computeIfAbsent(source, (s) -> new LongAdder()).increment();
				}
			})
			.build();
	}

	private static long count(Map<DecisionSource, LongAdder> sources, DecisionSource source) {
		LongAdder adder = sources.get(source);
		return (adder != null) ? adder.sum() : 0;
	}

	@Test
	void theFirstCallIsExactThenLeasesHoldWhatTheKeysRateUsesInAHundredMilliseconds() {
		ManualClock clock = new ManualClock();
		Map<DecisionSource, LongAdder> sources = new ConcurrentHashMap<>();
		RedisRateLimitStore store = clientTimeStore(clock, sources);
		RateLimiter limiter = new RateLimiter(name(), new FixedWindowSpec(100_000, Duration.ofHours(1), false), store,
				1000);
		// one request a second: a lease would hold 0.1 permit, so every request asks Redis
		for (int i = 0; i < 5; i++) {
			assertThat(limiter.acquire("k").allowed()).isTrue();
			clock.advance(Duration.ofSeconds(1));
		}
		assertThat(count(sources, DecisionSource.REDIS)).isEqualTo(5);
		assertThat(count(sources, DecisionSource.LEASE)).isZero();
		// one every 10 ms: after a call that leased too little, leases of 10 cover the next 10 requests
		sources.clear();
		for (int i = 0; i < 110; i++) {
			assertThat(limiter.acquire("k").allowed()).isTrue();
			clock.advance(Duration.ofMillis(10));
		}
		assertThat(count(sources, DecisionSource.REDIS)).isBetween(10L, 12L);
		assertThat(count(sources, DecisionSource.LEASE)).isBetween(98L, 100L);
		// all at once: the largest lease (the limiter's lease permits, below a quarter of the limit)
		sources.clear();
		for (int i = 0; i < 3003; i++) {
			assertThat(limiter.acquire("k").allowed()).isTrue();
		}
		assertThat(count(sources, DecisionSource.REDIS)).isBetween(3L, 5L);
	}

	@Test
	void aKeyNearItsLimitIsDecidedExactlyAndAdmitsExactlyItsLimit() {
		ManualClock clock = new ManualClock();
		Map<DecisionSource, LongAdder> sources = new ConcurrentHashMap<>();
		RedisRateLimitStore store = clientTimeStore(clock, sources);
		String name = name();
		FixedWindowSpec spec = new FixedWindowSpec(100, Duration.ofHours(1), false);
		// at most a quarter of the limit: 25
		RateLimiter limiter = new RateLimiter(name, spec, store, 50);
		List<DecisionSource> trail = new ArrayList<>();
		int admitted = 0;
		for (int i = 0; i < 100; i++) {
			long redisBefore = count(sources, DecisionSource.REDIS);
			Decision decision = limiter.acquire("k");
			if (decision.allowed()) {
				admitted++;
			}
			trail.add((count(sources, DecisionSource.REDIS) > redisBefore) ? DecisionSource.REDIS
					: DecisionSource.LEASE);
		}
		assertThat(admitted).isEqualTo(100);
		assertThat(limiter.acquire("k").allowed()).isFalse();
		// leases of 25 while at least 50 were left, then smaller ones, then one call per request
		assertThat(trail.subList(0, 2)).containsOnly(DecisionSource.REDIS);
		assertThat(trail.subList(2, 27)).containsOnly(DecisionSource.LEASE);
		assertThat(trail.subList(90, 100)).containsOnly(DecisionSource.REDIS);
		// what another instance sees: nothing left, nothing held out
		RedisRateLimitStore other = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.clock(clock)
			.timeSource(TimeSource.CLIENT)
			.build();
		assertThat(other.acquire(name + ":k", spec, 1).allowed()).isFalse();
	}

	@Test
	void unspentPermitsComeBackWithTheNextCallInTheSameWindow() {
		ManualClock clock = new ManualClock();
		Map<DecisionSource, LongAdder> sources = new ConcurrentHashMap<>();
		RedisRateLimitStore store = clientTimeStore(clock, sources);
		String name = name();
		FixedWindowSpec spec = new FixedWindowSpec(1000, Duration.ofHours(1), false);
		RateLimiter limiter = new RateLimiter(name, spec, store, 100);
		RedisRateLimitStore other = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.clock(clock)
			.timeSource(TimeSource.CLIENT)
			.refusalCacheSize(0)
			.build();
		limiter.acquire("k");
		Decision leased = limiter.acquire("k");
		// 2 taken and a lease of 100 counted in Redis; the decision counts the lease as remaining here
		assertThat(leased.remaining()).isEqualTo(998);
		assertThat(other.acquire(name + ":k", spec, 1).remaining()).isEqualTo(897);
		for (int i = 0; i < 10; i++) {
			assertThat(limiter.acquire("k").allowed()).isTrue();
		}
		assertThat(count(sources, DecisionSource.LEASE)).isEqualTo(10);
		// the lease ends after 1 s; the next call gives its 90 back and takes one permit (and a smaller lease)
		clock.advance(Duration.ofSeconds(2));
		Decision after = limiter.acquire("k");
		// Redis: 103 counted, 90 back (13), the request (14) and a lease of 1 (the rate fell to 11 permits in 2 s)
		assertThat(after.allowed()).isTrue();
		assertThat(after.remaining()).isEqualTo(985 + 1);
		assertThat(other.acquire(name + ":k", spec, 1).remaining()).isEqualTo(984);
	}

	static Stream<LimitSpec> noRefill() {
		return Stream.of(new TokenBucketSpec(1, Duration.ofHours(1), 1000),
				new FixedWindowSpec(1000, Duration.ofHours(1), false),
				new SlidingWindowSpec(1000, Duration.ofHours(1)));
	}

	@ParameterizedTest
	@MethodSource("noRefill")
	void closingTheStoreGivesBackWhatItsLeasesHaveLeft(LimitSpec spec) {
		ManualClock clock = new ManualClock();
		Map<DecisionSource, LongAdder> sources = new ConcurrentHashMap<>();
		RedisRateLimitStore store = clientTimeStore(clock, sources);
		String name = name();
		RateLimiter limiter = new RateLimiter(name, spec, store, 100);
		RedisRateLimitStore other = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.clock(clock)
			.timeSource(TimeSource.CLIENT)
			.refusalCacheSize(0)
			.build();
		limiter.acquire("k");
		assertThat(limiter.acquire("k").remaining()).as("1 + 1 taken, 100 leased").isEqualTo(998);
		for (int i = 0; i < 10; i++) {
			assertThat(limiter.acquire("k").allowed()).isTrue();
		}
		assertThat(count(sources, DecisionSource.LEASE)).isEqualTo(10);
		assertThat(other.acquire(name + ":k", spec, 1).remaining()).as("the lease still out").isEqualTo(897);
		store.close();
		assertThat(other.acquire(name + ":k", spec, 1).remaining()).as("its 90 given back").isEqualTo(986);
	}

	@Test
	void aTokenBucketRefillsOnlyUpToItsCapacityMinusWhatLeasesHold() {
		ManualClock clock = new ManualClock();
		Map<DecisionSource, LongAdder> sources = new ConcurrentHashMap<>();
		RedisRateLimitStore store = clientTimeStore(clock, sources);
		String name = name();
		TokenBucketSpec spec = new TokenBucketSpec(100, Duration.ofSeconds(1), 100);
		RateLimiter limiter = new RateLimiter(name, spec, store, 25);
		RedisRateLimitStore other = RedisRateLimitStore.builder(this.factory)
			.timeout(GENEROUS)
			.clock(clock)
			.timeSource(TimeSource.CLIENT)
			.refusalCacheSize(0)
			.build();
		limiter.acquire("k");
		assertThat(limiter.acquire("k").remaining()).as("98 left, 25 of them leased here").isEqualTo(98);
		// half a second later the bucket would be full again, but 25 permits are still out on the lease
		clock.advance(Duration.ofMillis(500));
		int taken = 0;
		while (other.acquire(name + ":k", spec, 1).allowed()) {
			taken++;
		}
		assertThat(taken).isEqualTo(75);
		for (int i = 0; i < 25; i++) {
			assertThat(limiter.acquire("k").allowed()).isTrue();
		}
		assertThat(count(sources, DecisionSource.LEASE)).isEqualTo(25);
		// at this instant the bucket and its lease gave exactly one full bucket
		assertThat(limiter.acquire("k").allowed()).isFalse();
		// once the lease has ended (1 s after it was taken) the bucket refills to its capacity again
		clock.advance(Duration.ofSeconds(2));
		assertThat(other.acquire(name + ":k", spec, 1).remaining()).isEqualTo(99);
	}

	@Test
	void theRedisKeyLayoutIsThatOfTheLimitersNameAndKey() {
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory).timeout(GENEROUS).build();
		String name = name();
		FixedWindowSpec spec = new FixedWindowSpec(10, Duration.ofSeconds(30), false);
		new RateLimiter(name, spec, store).acquire("plain");
		new RateLimiter(name, spec, store, 5).acquire("ключ");
		assertThat((Long) this.server.command("EXISTS", "limiter:{" + name + ":plain}")).isOne();
		assertThat((Long) this.server.command("EXISTS", "limiter:{" + name + ":ключ}")).isOne();
		assertThat(store.acquire(name + ":plain", spec, 1).remaining()).isEqualTo(8);
	}

}
