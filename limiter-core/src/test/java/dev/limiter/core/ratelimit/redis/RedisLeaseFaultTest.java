package dev.limiter.core.ratelimit.redis;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.limiter.core.ManualClock;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.DecisionSource;
import dev.limiter.core.ratelimit.redis.RedisRateLimitStore.FailurePolicy;
import dev.limiter.core.redis.testing.RedisConnectionFactories;
import dev.limiter.core.redis.testing.RedisFaultProxy;
import dev.limiter.core.redis.testing.RedisServerProcess;
import dev.limiter.core.redis.testing.RedisServerTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Leases while Redis is unreachable or killed: permits leased before the outage are spent until the lease ends, every
 * other decision follows the failure policy, and nothing is admitted beyond the limit (unreachable: Redis kept its
 * counts) or beyond the new counts (killed: a lease taken before the restart is not spent after it), and no more
 * than the policy's own bound.
 */
@RedisServerTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisLeaseFaultTest {

	private static final FixedWindowSpec SPEC = new FixedWindowSpec(1000, Duration.ofHours(1), false);

	private final RedisServerProcess server;

	private final LettuceConnectionFactory factory;

	RedisLeaseFaultTest(RedisServerProcess server) {
		this.server = server;
		this.factory = RedisConnectionFactories.standalone(server);
	}

	@AfterEach
	void serverRunsAgain() {
		if (!this.server.isRunning()) {
			this.server.restart();
		}
	}

	@AfterAll
	void closeFactory() {
		this.factory.destroy();
	}

	private static RedisRateLimitStore.Listener counting(Map<DecisionSource, LongAdder> sources) {
		return new RedisRateLimitStore.Listener() {
			@Override
			public void onDecision(DecisionSource source, long latencyNanos) {
				sources.computeIfAbsent(source, (s) -> new LongAdder()).increment();
			}
		};
	}

	/** Waits until the store answers from Redis, moving its clock 20 ms a try so that it tries Redis again. */
	private static void awaitAvailable(RedisRateLimitStore store, ManualClock clock) {
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			clock.advance(Duration.ofMillis(20));
			store.acquire("warm-up", SPEC, 1);
			return store.isAvailable();
		});
	}

	private static long count(Map<DecisionSource, LongAdder> sources, DecisionSource source) {
		LongAdder adder = sources.get(source);
		return (adder != null) ? adder.sum() : 0;
	}

	@Test
	void whileRedisIsUnreachableLeasesAreSpentThenThePolicyDecidesAndTheLimitHolds() {
		String name = "unreachable-" + UUID.randomUUID();
		Map<DecisionSource, LongAdder> sources = new ConcurrentHashMap<>();
		try (RedisFaultProxy proxy = RedisFaultProxy.to(this.server)) {
			LettuceConnectionFactory proxied = RedisConnectionFactories.standalone(proxy);
			ManualClock clock = new ManualClock();
			RedisRateLimitStore leasing = RedisRateLimitStore.builder(proxied)
				.failurePolicy(FailurePolicy.DENY)
				.clock(clock)
				.listener(counting(sources))
				.build();
			RedisRateLimitStore exact = RedisRateLimitStore.builder(this.factory)
				.timeout(Duration.ofSeconds(2))
				.build();
			try {
				awaitAvailable(leasing, clock);
				RateLimiter a = new RateLimiter(name, SPEC, leasing, 100);
				RateLimiter b = new RateLimiter(name, SPEC, exact);
				long admitted = 0;
				// the first call is exact, the second leases 100 more
				admitted += a.acquire("hot").allowed() ? 1 : 0;
				admitted += a.acquire("hot").allowed() ? 1 : 0;
				sources.clear();
				admitted += a.acquire("hot").allowed() ? 1 : 0;
				assertThat(count(sources, DecisionSource.LEASE)).isOne();
				proxy.hang();
				long duringOutage = 0;
				for (int i = 0; i < 150; i++) {
					Decision decision = a.acquire("hot");
					if (decision.allowed()) {
						duringOutage++;
					}
					else {
						assertThat(decision.retryAfter()).isEqualTo(RedisRateLimitStore.DEFAULT_PROBE_INTERVAL);
					}
				}
				// what the lease had left, then the policy refuses
				assertThat(duringOutage).isEqualTo(99);
				assertThat(count(sources, DecisionSource.LEASE)).isEqualTo(1 + duringOutage);
				assertThat(count(sources, DecisionSource.FALLBACK)).isEqualTo(150 - duringOutage);
				admitted += duringOutage;
				// another instance meanwhile takes what Redis has left
				while (b.acquire("hot").allowed()) {
					admitted++;
				}
				proxy.forward();
				awaitAvailable(leasing, clock);
				for (int i = 0; i < 100; i++) {
					admitted += a.acquire("hot").allowed() ? 1 : 0;
					admitted += b.acquire("hot").allowed() ? 1 : 0;
				}
				// never beyond the limit; short of it by at most the one lease's unspent permits
				assertThat(admitted).isLessThanOrEqualTo(1000).isGreaterThanOrEqualTo(1000 - 100);
			}
			finally {
				leasing.close();
				exact.close();
				proxied.destroy();
			}
		}
	}

	@Test
	void aLeaseTakenBeforeRedisWasKilledIsSpentDuringTheOutageAndNotAfterTheRestart() {
		String name = "killed-" + UUID.randomUUID();
		Map<DecisionSource, LongAdder> sources = new ConcurrentHashMap<>();
		// the store's clock stands still but when moved: leases neither end nor shrink with the machine's speed
		ManualClock clock = new ManualClock();
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory)
			.failurePolicy(FailurePolicy.DENY)
			.clock(clock)
			.listener(counting(sources))
			.build();
		try {
			awaitAvailable(store, clock);
			RateLimiter limiter = new RateLimiter(name, SPEC, store, 100);
			assertThat(limiter.acquire("hot").allowed()).isTrue();
			assertThat(limiter.acquire("hot").allowed()).isTrue();
			this.server.kill();
			sources.clear();
			for (int i = 0; i < 5; i++) {
				assertThat(limiter.acquire("hot").allowed()).isTrue();
			}
			assertThat(count(sources, DecisionSource.LEASE)).isEqualTo(5);
			// a key without a lease asks Redis, finds it down and follows the policy
			assertThat(limiter.acquire("cold").allowed()).isFalse();
			assertThat(store.isAvailable()).isFalse();
			assertThat(count(sources, DecisionSource.FALLBACK)).isOne();
			this.server.restart();
			awaitAvailable(store, clock);
			assertThat(clock.nanoTime()).as("the lease (1 s) has not ended")
				.isLessThan(Duration.ofMillis(900).toNanos());
			// the restarted Redis forgot the lease: its 95 unspent permits are no longer spent here
			sources.clear();
			Decision after = limiter.acquire("hot");
			assertThat(after.allowed()).isTrue();
			assertThat(count(sources, DecisionSource.REDIS)).isOne();
			assertThat(count(sources, DecisionSource.LEASE)).isZero();
			long admitted = 1;
			for (int i = 0; i < 1200; i++) {
				admitted += limiter.acquire("hot").allowed() ? 1 : 0;
			}
			assertThat(admitted).isLessThanOrEqualTo(1000);
		}
		finally {
			store.close();
		}
	}

	/**
	 * Redis killed while a lease is out, under the policies that admit: the lease's rest is spent, then {@code ALLOW}
	 * admits every request and {@code LOCAL} exactly its in-memory limit (the policy's own bound); once Redis answers
	 * again, decisions come from Redis and leases are taken again.
	 */
	@ParameterizedTest
	@EnumSource(value = FailurePolicy.class, names = { "LOCAL", "ALLOW" })
	void redisKilledWhileALeaseIsOutAdmitsTheLeasesRestThenWithinThePolicysBound(FailurePolicy policy) {
		String name = "policy-" + UUID.randomUUID();
		Map<DecisionSource, LongAdder> sources = new ConcurrentHashMap<>();
		ManualClock clock = new ManualClock();
		RedisRateLimitStore store = RedisRateLimitStore.builder(this.factory)
			.failurePolicy(policy)
			.clock(clock)
			.listener(counting(sources))
			.build();
		try {
			awaitAvailable(store, clock);
			RateLimiter limiter = new RateLimiter(name, SPEC, store, 100);
			// the first call is exact, the second leases
			assertThat(limiter.acquire("hot").allowed()).isTrue();
			assertThat(limiter.acquire("hot").allowed()).isTrue();
			this.server.kill();
			sources.clear();
			int calls = 1500;
			long admitted = 0;
			for (int i = 0; i < calls; i++) {
				admitted += limiter.acquire("hot").allowed() ? 1 : 0;
			}
			long leased = count(sources, DecisionSource.LEASE);
			assertThat(leased).as("the lease's rest").isBetween(1L, 100L);
			assertThat(count(sources, DecisionSource.FALLBACK)).isEqualTo(calls - leased);
			if (policy == FailurePolicy.ALLOW) {
				assertThat(admitted).isEqualTo(calls);
			}
			else {
				// the in-memory store of this JVM starts the key anew and holds it to its limit
				assertThat(admitted).isEqualTo(leased + SPEC.quota());
			}
			this.server.restart();
			awaitAvailable(store, clock);
			sources.clear();
			long afterRestart = 0;
			for (int i = 0; i < 1200; i++) {
				afterRestart += limiter.acquire("hot").allowed() ? 1 : 0;
			}
			assertThat(count(sources, DecisionSource.FALLBACK)).isZero();
			assertThat(count(sources, DecisionSource.LEASE)).as("leases again").isPositive();
			// the restarted Redis counts from zero: never beyond the limit
			assertThat(afterRestart).isLessThanOrEqualTo(SPEC.quota());
		}
		finally {
			store.close();
		}
	}

}
