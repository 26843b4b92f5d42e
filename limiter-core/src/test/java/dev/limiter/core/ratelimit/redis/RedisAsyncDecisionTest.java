package dev.limiter.core.ratelimit.redis;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.limiter.core.ManualClock;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.FailurePolicy;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.TimeSource;
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
 * The asynchronous decision path on real servers: it answers as the blocking one does (direct calls, bound limiters,
 * leases; standalone and cluster), re-sends a flushed script, and when Redis hangs every stage completes by the
 * failure policy within the timeout while the calling thread never waits.
 */
@RedisServerTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisAsyncDecisionTest {

	private static final Logger logger = LoggerFactory.getLogger(RedisAsyncDecisionTest.class);

	private static final Duration TIMEOUT = RedisRateLimitStore.DEFAULT_TIMEOUT;

	private final RedisServerProcess server;

	private final LettuceConnectionFactory factory;

	private final List<AutoCloseable> closeables = new ArrayList<>();

	RedisAsyncDecisionTest(RedisServerProcess server) {
		this.server = server;
		this.factory = RedisConnectionFactories.standalone(server);
	}

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		this.closeables.clear();
	}

	@AfterAll
	void closeFactory() {
		this.factory.destroy();
	}

	static Stream<LimitSpec> specs() {
		// periods of a minute: Redis expires keys in real time, which must not pass a key's TTL during the script
		return Stream.of(new TokenBucketSpec(6, Duration.ofMinutes(1), 6),
				new FixedWindowSpec(6, Duration.ofMinutes(1), false), new SlidingWindowSpec(6, Duration.ofMinutes(1)));
	}

	@ParameterizedTest
	@MethodSource("specs")
	void asyncDecisionsEqualBlockingOnesOnStandalone(LimitSpec spec) {
		sameDecisions(this.factory, spec);
	}

	@ParameterizedTest
	@MethodSource("specs")
	void asyncDecisionsEqualBlockingOnesOnCluster(LimitSpec spec, RedisClusterProcess cluster) {
		LettuceConnectionFactory clusterFactory = RedisConnectionFactories.cluster(cluster);
		try {
			sameDecisions(clusterFactory, spec);
		}
		finally {
			clusterFactory.destroy();
		}
	}

	/**
	 * Runs one script of requests twice on a {@link ManualClock} (client time), blocking on one set of keys and
	 * asynchronous on another: direct calls, a bound limiter and a leasing limiter answer alike, step by step.
	 */
	private void sameDecisions(LettuceConnectionFactory connectionFactory, LimitSpec spec) {
		ManualClock clock = new ManualClock();
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = RedisRateLimitStore.builder(connectionFactory)
			.keyPrefix("async-" + UUID.randomUUID() + ":")
			.timeSource(TimeSource.CLIENT)
			.clock(clock)
			.listener(recorder)
			.timeout(Duration.ofSeconds(5))
			.build();
		this.closeables.add(store);
		// connected (a cluster's topology read) before the script: a slow first call would be decided by the policy
		store.acquire("warm-up", spec, 1);
		assertThat(recorder.fallback.get()).as("decisions by the failure policy").isZero();
		RateLimiter blocking = new RateLimiter("blocking", spec, store);
		RateLimiter async = new RateLimiter("async", spec, store);
		RateLimiter blockingLeases = new RateLimiter("blocking-leases", spec, store, 3);
		RateLimiter asyncLeases = new RateLimiter("async-leases", spec, store, 3);
		int[] permits = { 1, 1, 2, 1, 3, 1, 1, 7, 1, 1, 2, 1, 1, 1, 4, 1, 1, 1, 1, 1 };
		long[] advanceSeconds = { 0, 1, 0, 10, 4, 0, 30, 1, 0, 0, 25, 1, 1, 60, 0, 2, 2, 2, 2, 100 };
		List<Decision> decisions = new ArrayList<>();
		for (int i = 0; i < permits.length; i++) {
			clock.advance(Duration.ofSeconds(advanceSeconds[i]));
			int n = permits[i];
			Decision direct = store.acquire("direct-blocking", spec, n);
			assertThat(join(store.acquireAsync("direct-async", spec, n))).as("direct call, step %d", i)
				.isEqualTo(direct);
			Decision bound = blocking.acquire("key", n);
			assertThat(join(async.acquireAsync("key", n))).as("bound limiter, step %d", i).isEqualTo(bound);
			Decision leased = blockingLeases.acquire("key", n);
			assertThat(join(asyncLeases.acquireAsync("key", n))).as("leasing limiter, step %d", i).isEqualTo(leased);
			decisions.add(direct);
		}
		assertThat(recorder.fallback.get()).as("decisions by the failure policy").isZero();
		// the script reaches the limit and refuses: both answers were compared, not only admissions
		assertThat(decisions).anyMatch(Decision::allowed).anyMatch((decision) -> !decision.allowed());
	}

	@Test
	void aFlushedScriptIsSentAgain() {
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory).listener(recorder).build();
		this.closeables.add(store);
		RateLimiter limiter = new RateLimiter("noscript-" + UUID.randomUUID(), new FixedWindowSpec(5,
				Duration.ofMinutes(1), false), store);
		assertThat(join(limiter.acquireAsync("key")).remaining()).isEqualTo(4);
		this.server.command("SCRIPT", "FLUSH");
		long evals = this.server.commandCalls("eval");
		assertThat(join(limiter.acquireAsync("key")).remaining()).isEqualTo(3);
		assertThat(this.server.commandCalls("eval")).isEqualTo(evals + 1);
		assertThat(recorder.fallback.get()).isZero();
		assertThat(recorder.redis.get()).isEqualTo(2);
	}

	@Test
	void aLeaseAnswersAtOnceAndInstancesTogetherNeverAdmitMoreThanTheLimit() throws Exception {
		String name = "async-lease-" + UUID.randomUUID();
		LimitSpec spec = new FixedWindowSpec(2000, Duration.ofHours(1), false);
		int leasePermits = 20;
		int instances = 2;
		List<RateLimiter> limiters = new ArrayList<>();
		List<Recorder> recorders = new ArrayList<>();
		for (int i = 0; i < instances; i++) {
			LettuceConnectionFactory instanceFactory = RedisConnectionFactories.standalone(this.server);
			this.closeables.add(instanceFactory::destroy);
			Recorder recorder = new Recorder();
			// a cold JVM on a busy machine: a timeout would decide by the policy, not the lease
			RedisRateLimitStore store = RedisRateLimitStore.builder(instanceFactory)
				.listener(recorder)
				.timeout(Duration.ofSeconds(10))
				.build();
			this.closeables.add(0, store);
			limiters.add(new RateLimiter(name, spec, store, leasePermits));
			recorders.add(recorder);
		}
		long evalshaBefore = this.server.commandCalls("evalsha");
		int requests = 6000;
		ExecutorService callers = Executors.newFixedThreadPool(instances * 2);
		List<CompletableFuture<List<CompletableFuture<Decision>>>> batches = new ArrayList<>();
		for (int t = 0; t < instances * 2; t++) {
			RateLimiter limiter = limiters.get(t % instances);
			batches.add(CompletableFuture.supplyAsync(() -> {
				// each caller keeps up to 16 decisions in flight, as a busy event loop would
				List<CompletableFuture<Decision>> stages = new ArrayList<>();
				for (int i = 0; i < requests / (instances * 2); i++) {
					if (i >= 16) {
						stages.get(i - 16).join();
					}
					stages.add(limiter.acquireAsync("hot").toCompletableFuture());
				}
				return stages;
			}, callers));
		}
		long admitted = 0;
		long answeredAtOnce = 0;
		for (CompletableFuture<List<CompletableFuture<Decision>>> batch : batches) {
			for (CompletableFuture<Decision> stage : batch.get(30, TimeUnit.SECONDS)) {
				admitted += stage.get(30, TimeUnit.SECONDS).allowed() ? 1 : 0;
			}
		}
		callers.shutdown();
		// once the limit is taken, sequential calls of one instance are answered from its refusal cache at once
		for (int i = 0; i < 10; i++) {
			answeredAtOnce += limiters.get(0).acquireAsync("hot").toCompletableFuture().isDone() ? 1 : 0;
		}
		long calls = this.server.commandCalls("evalsha") - evalshaBefore;
		long fromLeases = recorders.stream().mapToLong((recorder) -> recorder.lease.get()).sum();
		logger.info("{} async requests from {} instances: {} admitted (limit {}), {} EVALSHA, {} from leases",
				requests, instances, admitted, 2000, calls, fromLeases);
		assertThat(recorders).allSatisfy((recorder) -> assertThat(recorder.fallback.get()).isZero());
		assertThat(admitted).isLessThanOrEqualTo(2000).isGreaterThanOrEqualTo(2000 - instances * leasePermits);
		assertThat(fromLeases).as("decisions spent from leases").isPositive();
		assertThat(calls).as("Redis calls").isLessThan(requests);
		assertThat(answeredAtOnce).isEqualTo(10);
	}

	@Test
	void aLeaseHitCompletesTheStageAtOnce() {
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory).listener(recorder).build();
		this.closeables.add(store);
		RateLimiter limiter = new RateLimiter("lease-hit-" + UUID.randomUUID(),
				new FixedWindowSpec(100_000, Duration.ofHours(1), false), store, 50);
		int completedAtOnce = 0;
		for (int i = 0; i < 500; i++) {
			CompletableFuture<Decision> stage = limiter.acquireAsync("key").toCompletableFuture();
			completedAtOnce += stage.isDone() ? 1 : 0;
			assertThat(join(stage).allowed()).isTrue();
		}
		assertThat(recorder.lease.get()).isPositive();
		assertThat((long) completedAtOnce).isGreaterThanOrEqualTo(recorder.lease.get());
	}

	@ParameterizedTest
	@EnumSource(FailurePolicy.class)
	void aHangingServerCompletesEveryStageByThePolicyWithinTheTimeoutWhileTheCallerNeverWaits(FailurePolicy policy)
			throws Exception {
		RedisFaultProxy proxy = RedisFaultProxy.to(this.server);
		LettuceConnectionFactory proxied = factoryOver(proxy);
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = RedisRateLimitStore.builder(proxied)
			.failurePolicy(policy)
			.timeout(TIMEOUT)
			.listener(recorder)
			.build();
		this.closeables.add(0, store);
		RateLimiter limiter = new RateLimiter("hang-" + UUID.randomUUID(),
				new FixedWindowSpec(3, Duration.ofMinutes(1), false), store);
		await().atMost(Duration.ofSeconds(5)).until(() -> join(limiter.acquireAsync("warm-up")) != null
				&& recorder.redis.get() > 0 && store.isAvailable());
		// an unmeasured hang runs the failure path once: loading its classes (the policy's, logging) on a starved
		// machine delays the first timed-out stages, and those behind them on the timer thread, by tens of ms
		proxy.hang();
		join(limiter.acquireAsync("warm-up-failure"));
		proxy.forward();
		await().atMost(Duration.ofSeconds(5)).until(() -> join(limiter.acquireAsync("warm-up")) != null
				&& store.isAvailable());
		// the warm-ups may have been decided by the policy
		long fallbacksBefore = recorder.fallback.get();
		int failuresBefore = recorder.failures.get();
		int recoveriesBefore = recorder.recoveries.get();
		proxy.hang();
		Calls calls = callFromOneThread(6, (i) -> limiter.acquireAsync("key"));
		assertThat(calls.doneAtReturn).as("stages completed before the call returned").isZero();
		List<Decision> decisions = calls.awaitAll();
		assertThat(calls.waits).as("times the calling thread waited or blocked").isZero();
		assertThat(calls.slowest).isLessThanOrEqualTo(calls.allowed);
		assertThat(store.isAvailable()).isFalse();
		long allowed = decisions.stream().filter(Decision::allowed).count();
		switch (policy) {
			case LOCAL -> assertThat(allowed).isEqualTo(3);
			case ALLOW -> assertThat(allowed).isEqualTo(6);
			case DENY -> assertThat(allowed).isZero();
		}
		assertThat(recorder.fallback.get() - fallbacksBefore).isEqualTo(6);
		assertThat(recorder.failures.get() - failuresBefore).isEqualTo(1);
		// during the outage a decision not due to try Redis (one a probe interval is) is answered by the policy at once
		int answeredAtOnce = 0;
		for (int i = 0; i < 5; i++) {
			answeredAtOnce += limiter.acquireAsync("during").toCompletableFuture().isDone() ? 1 : 0;
		}
		assertThat(answeredAtOnce).isGreaterThanOrEqualTo(3);
		proxy.forward();
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			join(limiter.acquireAsync("after"));
			return store.isAvailable();
		});
		assertThat(recorder.recoveries.get() - recoveriesBefore).isPositive();
	}

	@Test
	void onlyOverLettuceDoesTheStoreSayItDecidesAsynchronouslyWithoutBlocking() {
		RedisRateLimitStore lettuce = RedisRateLimitStore.builder(this.factory).build();
		this.closeables.add(lettuce);
		assertThat(lettuce.decidesAsyncWithoutBlocking()).isTrue();
		// any other driver (Jedis) is asked through a connection, on the caller's thread
		RedisConnectionFactory other = (RedisConnectionFactory) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { RedisConnectionFactory.class }, (proxy, method, args) -> {
					throw new UnsupportedOperationException(method.getName());
				});
		RedisRateLimitStore overConnections = RedisRateLimitStore.builder(other).build();
		this.closeables.add(overConnections);
		assertThat(overConnections.decidesAsyncWithoutBlocking()).isFalse();
	}

	@Test
	void aCallerThatCancelsLeavesTheRenewalToThoseWaitingForIt() throws Exception {
		RedisFaultProxy proxy = RedisFaultProxy.to(this.server);
		LettuceConnectionFactory proxied = factoryOver(proxy);
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = RedisRateLimitStore.builder(proxied)
			.listener(recorder)
			.timeout(Duration.ofSeconds(5))
			.build();
		this.closeables.add(0, store);
		RateLimiter limiter = new RateLimiter("cancel-" + UUID.randomUUID(),
				new FixedWindowSpec(1000, Duration.ofHours(1), false), store, 10);
		await().atMost(Duration.ofSeconds(5)).until(() -> join(limiter.acquireAsync("warm-up")).allowed());
		// a key's first call asks for no lease; the next renewal asks for some
		assertThat(join(limiter.acquireAsync("key")).allowed()).isTrue();
		long evalshaBefore = this.server.commandCalls("evalsha");
		long leaseBefore = recorder.lease.get();
		proxy.delay(Duration.ofMillis(300));
		// the first caller renews the key's lease; the second waits for that renewal
		CompletableFuture<Decision> first = limiter.acquireAsync("key").toCompletableFuture();
		CompletableFuture<Decision> second = limiter.acquireAsync("key").toCompletableFuture();
		assertThat(first).isNotDone();
		assertThat(second).isNotDone();
		first.cancel(false);
		assertThat(second.get(10, TimeUnit.SECONDS).allowed()).isTrue();
		assertThat(recorder.lease.get() - leaseBefore).as("decisions spent from the renewed lease").isEqualTo(1);
		assertThat(this.server.commandCalls("evalsha") - evalshaBefore).as("Redis calls: the renewal only")
			.isEqualTo(1);
		assertThat(recorder.fallback.get()).isZero();
	}

	@Test
	void aDecisionInFlightWhenTheStoreClosesCompletesByThePolicyAtItsTimeout() throws Exception {
		RedisFaultProxy proxy = RedisFaultProxy.to(this.server);
		LettuceConnectionFactory proxied = factoryOver(proxy);
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = RedisRateLimitStore.builder(proxied)
			.failurePolicy(FailurePolicy.DENY)
			.timeout(TIMEOUT)
			.listener(recorder)
			.build();
		this.closeables.add(0, store);
		RateLimiter limiter = new RateLimiter("closing-" + UUID.randomUUID(),
				new FixedWindowSpec(3, Duration.ofMinutes(1), false), store);
		await().atMost(Duration.ofSeconds(5)).until(() -> join(limiter.acquireAsync("warm-up")).allowed()
				&& recorder.redis.get() > 0 && store.isAvailable());
		long fallbacksBefore = recorder.fallback.get();
		proxy.hang();
		CompletableFuture<Decision> inFlight = limiter.acquireAsync("key").toCompletableFuture();
		store.close();
		// well within the driver's own command timeout (5 s), which would otherwise be the only one left
		Decision decision = inFlight.get(2, TimeUnit.SECONDS);
		assertThat(decision.allowed()).as("refused, as the DENY policy says").isFalse();
		assertThat(recorder.fallback.get() - fallbacksBefore).isEqualTo(1);
	}

	@Test
	void aServerThatNeverAnswersFromTheStartCompletesEveryStageByThePolicy() throws Exception {
		RedisFaultProxy hanging = RedisFaultProxy.hanging();
		this.closeables.add(hanging);
		timesOutWhileConnecting(RedisConnectionFactories.standalone(hanging));
	}

	@Test
	void aClusterThatNeverAnswersFromTheStartCompletesEveryStageByThePolicy() throws Exception {
		RedisFaultProxy hanging = RedisFaultProxy.hanging();
		this.closeables.add(hanging);
		timesOutWhileConnecting(
				RedisConnectionFactories.clusterSeededWith(List.of(hanging.host() + ":" + hanging.port())));
	}

	private void timesOutWhileConnecting(LettuceConnectionFactory neverConnected) throws Exception {
		this.closeables.add(neverConnected::destroy);
		Recorder recorder = new Recorder();
		RedisRateLimitStore store = RedisRateLimitStore.builder(neverConnected)
			.failurePolicy(FailurePolicy.DENY)
			.timeout(TIMEOUT)
			.listener(recorder)
			.build();
		this.closeables.add(0, store);
		LimitSpec spec = new TokenBucketSpec(100, Duration.ofSeconds(1), 100);
		Calls calls = callFromOneThread(4, (i) -> store.acquireAsync("key-" + i, spec, 1));
		List<Decision> decisions = calls.awaitAll();
		assertThat(calls.waits).as("times the calling thread waited or blocked").isZero();
		assertThat(calls.slowest).isLessThanOrEqualTo(calls.allowed);
		assertThat(decisions).noneMatch(Decision::allowed);
		assertThat(recorder.fallback.get()).isEqualTo(4);
	}

	/**
	 * Starts {@code count} asynchronous decisions from one fresh thread, counting how often that thread waits or
	 * blocks while it does (the JVM counts every park, wait, sleep and contended monitor), and times each stage.
	 */
	private static Calls callFromOneThread(int count, Function<Integer, CompletionStage<Decision>> call)
			throws Exception {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		Calls calls = new Calls();
		ExecutorService caller = Executors.newSingleThreadExecutor();
		try {
			caller.submit(() -> {
				long id = Thread.currentThread().getId();
				ThreadInfo before = threads.getThreadInfo(id);
				for (int i = 0; i < count; i++) {
					long start = System.nanoTime();
					CompletableFuture<Decision> stage = call.apply(i).toCompletableFuture();
					calls.doneAtReturn += stage.isDone() ? 1 : 0;
					calls.stages.add(stage.whenComplete((decision, ex) -> calls.slowestNanos
						.accumulateAndGet(System.nanoTime() - start, Math::max)));
				}
				ThreadInfo after = threads.getThreadInfo(id);
				calls.waits = (after.getWaitedCount() - before.getWaitedCount())
						+ (after.getBlockedCount() - before.getBlockedCount());
				calls.schedulingDelay.start();
			}).get(10, TimeUnit.SECONDS);
		}
		finally {
			caller.shutdown();
		}
		return calls;
	}

	private static <T> T join(CompletionStage<T> stage) {
		return stage.toCompletableFuture().join();
	}

	/** What {@link #callFromOneThread} saw. */
	private static final class Calls {

		final List<CompletableFuture<Decision>> stages = new ArrayList<>();

		final AtomicLong slowestNanos = new AtomicLong();

		final SchedulingDelay schedulingDelay;

		long doneAtReturn;

		long waits;

		Duration slowest;

		Duration allowed;

		Calls() {
			this.schedulingDelay = new SchedulingDelay(System.nanoTime() + TIMEOUT.toNanos() * 3);
		}

		/**
		 * Waits for every stage; the slowest may take the timeout, a wake-up of the timer thread and 50 ms, plus
		 * twice the machine's worst scheduling delay meanwhile (see the fault test).
		 */
		List<Decision> awaitAll() throws Exception {
			List<Decision> decisions = new ArrayList<>();
			for (CompletableFuture<Decision> stage : this.stages) {
				decisions.add(stage.get(10, TimeUnit.SECONDS));
			}
			this.schedulingDelay.finish();
			this.slowest = Duration.ofNanos(this.slowestNanos.get());
			this.allowed = TIMEOUT.plus(Duration.ofMillis(50)).plus(this.schedulingDelay.max().multipliedBy(2));
			logger.info("{} stages, the slowest completed after {} µs (allowed {} µs)", decisions.size(),
					this.slowest.toNanos() / 1000, this.allowed.toNanos() / 1000);
			return decisions;
		}

	}

	/** Returns a factory connecting through the proxy; both are closed after the test. */
	private LettuceConnectionFactory factoryOver(RedisFaultProxy proxy) {
		this.closeables.add(proxy);
		LettuceConnectionFactory proxied = RedisConnectionFactories.standalone(proxy);
		this.closeables.add(proxied::destroy);
		return proxied;
	}

}
