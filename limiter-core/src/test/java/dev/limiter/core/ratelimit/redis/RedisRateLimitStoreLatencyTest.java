package dev.limiter.core.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.FailurePolicy;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStoreFaultTest.Recorder;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStoreFaultTest.SchedulingDelay;
import dev.limiter.core.redis.testing.RedisClusterProcess;
import dev.limiter.core.redis.testing.RedisConnectionFactories;
import dev.limiter.core.redis.testing.RedisFaultProxy;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No decision waits longer than the store's timeout, whatever Redis does: a server that accepts connections and never
 * answers from the start, one that starts hanging or answering slowly mid-run, paused cluster nodes; with 32
 * concurrent callers. Then Redis found back: a factory stopped and started again, and an outage that ends with no
 * request at all.
 *
 * <p>The bound is the timeout plus a scheduling margin: a timed-out decision waits for two wake-ups (the timeout's
 * and the caller's return), each of which suffers the machine's scheduling delay. The margin is {@value #MARGIN_MILLIS}
 * ms plus twice the worst scheduling delay a parked thread saw meanwhile (tens of ms on a 2-core machine shared with
 * other builds), so a loaded machine does not fail the test while a decision that waits for a connect attempt
 * (seconds) or for another caller's does. The JVM is warmed up first.
 */
@RedisServerTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisRateLimitStoreLatencyTest {

	private static final Logger logger = LoggerFactory.getLogger(RedisRateLimitStoreLatencyTest.class);

	private static final Duration TIMEOUT = Duration.ofMillis(100);

	private static final long MARGIN_MILLIS = 100;

	private static final int THREADS = 32;

	private static final LimitSpec SPEC = new TokenBucketSpec(1000, Duration.ofSeconds(1), 1000);

	private final RedisServerProcess server;

	private final List<AutoCloseable> resources = new ArrayList<>();

	RedisRateLimitStoreLatencyTest(RedisServerProcess server) {
		this.server = server;
	}

	@AfterEach
	void release() throws Exception {
		for (AutoCloseable resource : this.resources) {
			resource.close();
		}
		this.resources.clear();
		if (!this.server.isRunning()) {
			this.server.restart();
		}
	}

	/**
	 * Runs the decision and fallback paths once before any measurement, so that class loading and the first JIT
	 * compilations (hundreds of ms on a cold JVM, all 32 threads queued behind them) are not counted as waiting.
	 */
	@BeforeAll
	void warmUp() throws Exception {
		try (RedisFaultProxy hanging = RedisFaultProxy.hanging()) {
			LettuceConnectionFactory factory = RedisConnectionFactories.standalone(hanging);
			try (RedisRateLimitStore store = store(factory, new Recorder())) {
				decideConcurrently(store, "warm-up", 3);
			}
			factory.destroy();
		}
		LettuceConnectionFactory factory = RedisConnectionFactories.standalone(this.server);
		try (RedisRateLimitStore store = store(factory, new Recorder())) {
			awaitAvailable(store);
			decideConcurrently(store, "warm-up", 3);
		}
		factory.destroy();
	}

	@Test
	void atStartUpAgainstAServerThatNeverAnswersNoDecisionWaitsLongerThanTheTimeout() throws Exception {
		RedisFaultProxy hanging = use(RedisFaultProxy.hanging());
		LettuceConnectionFactory factory = use(RedisConnectionFactories.standalone(hanging));
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = use(store(factory, recorder));
		Latencies latencies = decideConcurrently(store, "start", 3);
		latencies.assertWithinTimeout("standalone, start-up, server never answers");
		assertThat(recorder.fallback.get()).isEqualTo(3L * THREADS);
		assertThat(store.isAvailable()).isFalse();
		assertThat(hanging.acceptedConnections()).as("one connect attempt in flight at most").isEqualTo(1);
	}

	@Test
	void atStartUpAgainstAClusterSeedThatNeverAnswersNoDecisionWaitsLongerThanTheTimeout() throws Exception {
		RedisFaultProxy hanging = use(RedisFaultProxy.hanging());
		LettuceConnectionFactory factory = use(
				RedisConnectionFactories.clusterSeededWith(List.of(hanging.host() + ":" + hanging.port())));
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = use(store(factory, recorder));
		Latencies latencies = decideConcurrently(store, "cluster-start", 3);
		latencies.assertWithinTimeout("cluster, start-up, seed never answers");
		assertThat(recorder.fallback.get()).isEqualTo(3L * THREADS);
		assertThat(hanging.acceptedConnections()).as("one connect attempt in flight at most").isEqualTo(1);
	}

	@ParameterizedTest
	@EnumSource(Fault.class)
	void midRunWhenRedisStartsFailingNoDecisionWaitsLongerThanTheTimeout(Fault fault) throws Exception {
		RedisFaultProxy proxy = use(RedisFaultProxy.to(this.server));
		LettuceConnectionFactory factory = use(RedisConnectionFactories.standalone(proxy));
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = use(store(factory, recorder));
		awaitAvailable(store);
		decideConcurrently(store, "warm", 1);
		long fromRedisBefore = recorder.redis.get();
		fault.apply(proxy);
		Latencies latencies = decideConcurrently(store, "mid-run-" + fault, 10);
		latencies.assertWithinTimeout("standalone, mid-run, " + fault);
		assertThat(recorder.redis.get()).isEqualTo(fromRedisBefore);
		assertThat(store.isAvailable()).isFalse();
		proxy.forward();
		await().atMost(Duration.ofSeconds(2)).until(store::isAvailable);
	}

	@Test
	void midRunWhenClusterNodesPauseNoDecisionWaitsLongerThanTheTimeout(RedisClusterProcess cluster)
			throws Exception {
		LettuceConnectionFactory factory = use(RedisConnectionFactories.cluster(cluster));
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = use(store(factory, recorder));
		awaitAvailable(store);
		decideConcurrently(store, "cluster-warm", 1);
		for (RedisServerProcess node : cluster.nodes()) {
			node.command("CLIENT", "PAUSE", "1500");
		}
		Latencies latencies = decideConcurrently(store, "cluster-paused", 8);
		latencies.assertWithinTimeout("cluster, mid-run, every node paused");
		assertThat(recorder.fallback.get()).isPositive();
		await().atMost(Duration.ofSeconds(3)).until(store::isAvailable);
	}

	@Test
	void aFactoryStoppedAndStartedAgainIsUsedAgain() {
		LettuceConnectionFactory factory = use(RedisConnectionFactories.standalone(this.server));
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = use(store(factory, recorder));
		awaitAvailable(store);
		factory.stop();
		factory.start();
		long fromRedis = recorder.redis.get();
		await().atMost(Duration.ofSeconds(2)).until(() -> {
			store.acquire("restarted-factory", SPEC, 1);
			return recorder.redis.get() > fromRedis;
		});
		assertThat(store.isAvailable()).isTrue();
	}

	@Test
	void redisIsFoundBackWithoutAnyDecisionUnderDeny() {
		LettuceConnectionFactory factory = use(RedisConnectionFactories.standalone(this.server));
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = use(RedisRateLimitStore.builder(factory)
			.timeout(TIMEOUT)
			.failurePolicy(FailurePolicy.DENY)
			.listener(recorder)
			.build());
		awaitAvailable(store);
		this.server.kill();
		assertThat(store.acquire("deny", SPEC, 1).allowed()).isFalse();
		assertThat(store.isAvailable()).isFalse();
		long decisions = recorder.redis.get() + recorder.fallback.get();
		this.server.restart();
		long restarted = System.nanoTime();
		await().atMost(Duration.ofSeconds(2)).until(store::isAvailable);
		logger.info("Redis found back {} ms after its restart, with no decision", (System.nanoTime() - restarted)
				/ 1_000_000);
		assertThat(recorder.redis.get() + recorder.fallback.get()).as("no decision was needed").isEqualTo(decisions);
		assertThat(recorder.recoveries.get()).isEqualTo(1);
	}

	private <T extends AutoCloseable> T use(T resource) {
		this.resources.add(0, resource);
		return resource;
	}

	private LettuceConnectionFactory use(LettuceConnectionFactory factory) {
		this.resources.add(0, factory::destroy);
		return factory;
	}

	private static RedisRateLimitStore store(LettuceConnectionFactory factory, Recorder recorder) {
		return RedisRateLimitStore.builder(factory).timeout(TIMEOUT).listener(recorder).build();
	}

	private static void awaitAvailable(RedisRateLimitStore store) {
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			store.acquire("warm-up", SPEC, 1);
			return store.isAvailable();
		});
	}

	/**
	 * Runs {@code rounds} rounds of {@value #THREADS} decisions started together, one per thread and round, and
	 * measures each.
	 */
	private static Latencies decideConcurrently(RedisRateLimitStore store, String keyPrefix, int rounds)
			throws Exception {
		SchedulingDelay schedulingDelay = new SchedulingDelay(Long.MAX_VALUE);
		schedulingDelay.start();
		CyclicBarrier start = new CyclicBarrier(THREADS);
		AtomicLong maxNanos = new AtomicLong();
		ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			String key = keyPrefix + "-" + t;
			Thread thread = new Thread(() -> {
				for (int round = 0; round < rounds; round++) {
					try {
						start.await();
						long begin = System.nanoTime();
						long queuedBefore = RunQueueTime.nanos();
						store.acquire(key, SPEC, 1);
						long queued = RunQueueTime.nanos() - queuedBefore;
						maxNanos.accumulateAndGet(System.nanoTime() - begin - queued, Math::max);
					}
					catch (Throwable ex) {
						errors.add(ex);
					}
				}
			});
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		schedulingDelay.finish();
		assertThat(errors).isEmpty();
		return new Latencies(rounds * THREADS, Duration.ofNanos(maxNanos.get()), schedulingDelay.max());
	}

	/** What {@link #decideConcurrently} measured. */
	private record Latencies(int decisions, Duration slowest, Duration schedulingDelay) {

		void assertWithinTimeout(String scenario) {
			Duration bound = TIMEOUT.plusMillis(MARGIN_MILLIS).plus(this.schedulingDelay.multipliedBy(2));
			logger.info("{}: {} decisions by {} threads, the slowest took {} ms, run-queue time left out (bound {} ms: "
					+ "timeout {} ms + {} ms + twice the worst scheduling delay seen, {} ms)", scenario, this.decisions,
					THREADS, this.slowest.toMillis(), bound.toMillis(), TIMEOUT.toMillis(), MARGIN_MILLIS,
					this.schedulingDelay.toMillis());
			assertThat(this.slowest).as(scenario).isLessThanOrEqualTo(bound);
		}

	}

	/** How Redis fails mid-run, through the fault proxy. */
	enum Fault {

		/** Commands are never answered, as in a partition. */
		HANG {
			@Override
			void apply(RedisFaultProxy proxy) {
				proxy.hang();
			}
		},

		/** Every reply comes three timeouts late. */
		SLOW {
			@Override
			void apply(RedisFaultProxy proxy) {
				proxy.delay(TIMEOUT.multipliedBy(3));
			}
		};

		abstract void apply(RedisFaultProxy proxy);

	}

}
