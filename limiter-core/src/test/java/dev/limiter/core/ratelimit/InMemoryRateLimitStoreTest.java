package dev.limiter.core.ratelimit;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.limiter.core.Clock;
import dev.limiter.core.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The in-memory store against the store contract, plus what only it promises: bounds, eviction, concurrency. */
class InMemoryRateLimitStoreTest extends RateLimitStoreContractTest {

	private static final Logger logger = LoggerFactory.getLogger(InMemoryRateLimitStoreTest.class);

	@Override
	protected RateLimitStore createStore(ManualClock clock) {
		return InMemoryRateLimitStore.builder().clock(clock).build();
	}

	@Override
	protected Optional<Duration> timeToLive(RateLimitStore store, String key) {
		return ((InMemoryRateLimitStore) store).timeToLive(key);
	}

	@Test
	void idleKeyIsRemovedOnceItsStateIsFreshAgainAndNotBefore() {
		ManualClock clock = new ManualClock();
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(clock).build();
		TokenBucketSpec bucket = new TokenBucketSpec(1, Duration.ofSeconds(1), 3);
		FixedWindowSpec window = new FixedWindowSpec(5, Duration.ofSeconds(10), false);
		store.acquire("bucket", bucket, 3);
		store.acquire("window", window, 1);
		// the bucket is full after 3 s, the window over after 10 s
		clock.advance(Duration.ofSeconds(3).minusNanos(1));
		store.cleanUp();
		assertThat(store.state("bucket")).isNotNull();
		clock.advanceNanos(1);
		store.cleanUp();
		assertThat(store.state("bucket")).isNull();
		assertThat(store.state("window")).isNotNull();
		clock.advance(Duration.ofSeconds(7));
		store.cleanUp();
		assertThat(store.state("window")).isNull();
		assertThat(store.estimatedKeyCount()).isZero();
	}

	@Test
	void rateZeroBucketThatIsNotFullIsNeverEvictedByTime() {
		ManualClock clock = new ManualClock();
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(clock).build();
		store.acquire("k", new TokenBucketSpec(0, Duration.ofSeconds(1), 1), 1);
		clock.advance(Duration.ofDays(3650));
		store.cleanUp();
		assertThat(store.acquire("k", new TokenBucketSpec(0, Duration.ofSeconds(1), 1), 1).allowed()).isFalse();
	}

	@Test
	void changingASpecToOneKeptLongerExtendsTheKeysExpiry() {
		ManualClock clock = new ManualClock();
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(clock).build();
		store.acquire("k", new SlidingWindowSpec(5, Duration.ofSeconds(1)), 1);
		store.acquire("k", new FixedWindowSpec(1, Duration.ofMinutes(1), false), 1);
		assertThat(store.timeToLive("k")).hasValue(Duration.ofMinutes(1));
		clock.advance(Duration.ofSeconds(30));
		store.cleanUp();
		assertThat(store.acquire("k", new FixedWindowSpec(1, Duration.ofMinutes(1), false), 1).allowed()).isFalse();
	}

	@Test
	void decidesAsynchronouslyWithoutBlocking() {
		assertThat(InMemoryRateLimitStore.builder().build().decidesAsyncWithoutBlocking()).isTrue();
	}

	@Test
	void builderRejectsAMaximumBelowOne() {
		assertThatIllegalArgumentException().isThrownBy(() -> InMemoryRateLimitStore.builder().maximumKeys(0))
			.withMessage("maximumKeys must be >= 1 (was 0)");
	}

	@Test
	void aMillionKeysThroughAStoreBoundedAtOneHundredThousandStayBounded() {
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(new ManualClock()).build();
		TokenBucketSpec spec = new TokenBucketSpec(10, Duration.ofSeconds(1), 10);
		for (int i = 0; i < 1_000_000; i++) {
			assertThat(store.acquire("client-" + i, spec, 1).allowed()).isTrue();
		}
		store.cleanUp();
		assertThat(store.estimatedKeyCount()).isLessThanOrEqualTo(InMemoryRateLimitStore.DEFAULT_MAXIMUM_KEYS);
		assertThat(store.estimatedKeyCount()).isGreaterThan(InMemoryRateLimitStore.DEFAULT_MAXIMUM_KEYS / 2);
	}

	@Test
	void retainsAFewHundredBytesPerLiveKeyAtMost() {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		int keys = 100_000;
		long before = usedHeapAfterGc(memory);
		// room for a quarter more, so that no segment is full
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder()
			.clock(new ManualClock())
			.maximumKeys(keys + keys / 4)
			.build();
		TokenBucketSpec spec = new TokenBucketSpec(10, Duration.ofSeconds(1), 10);
		for (int i = 0; i < keys; i++) {
			store.acquire("client-" + i, spec, 1);
		}
		store.cleanUp();
		long after = usedHeapAfterGc(memory);
		assertThat(store.estimatedKeyCount()).isEqualTo(keys);
		double perKey = (after - before) / (double) keys;
		logger.info("Retained heap per live key (key string \"client-NNNNN\" included): {} bytes",
				String.format("%.1f", perKey));
		assertThat(perKey).isLessThanOrEqualTo(200);
		Reference.reachabilityFence(store);
	}

	@Test
	void aBoundLimiterSharesTheKeysOfItsNamespaceWithoutConcatenating() {
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(new ManualClock()).build();
		TokenBucketSpec spec = new TokenBucketSpec(0, Duration.ofSeconds(1), 3);
		String longKey = "k".repeat(1000);
		RateLimitStore.BoundLimit api = store.bind("api", spec, 0);
		RateLimitStore.BoundLimit again = store.bind("api", spec, 0);
		RateLimitStore.BoundLimit other = store.bind("ap", spec, 0);
		for (String key : List.of("client", longKey, "")) {
			assertThat(api.acquire(key, 1).remaining()).isEqualTo(2);
			assertThat(again.acquire(key, 1).remaining()).isEqualTo(1);
			assertThat(store.acquire("api:" + key, spec, 1).remaining()).isZero();
			assertThat(api.acquire(key, 1).allowed()).isFalse();
			// "ap" + ':' + "i:client" is another key than "api:client"
			assertThat(other.acquire("i:" + key, 1).remaining()).isEqualTo(2);
		}
		assertThat(store.estimatedKeyCount()).isEqualTo(6);
	}

	@Test
	void aFullStoreEvictsKeysWhoseStateIsFreshBeforeOthers() {
		ManualClock clock = new ManualClock();
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(clock).maximumKeys(10).build();
		TokenBucketSpec never = new TokenBucketSpec(0, Duration.ofSeconds(1), 1);
		TokenBucketSpec quick = new TokenBucketSpec(1, Duration.ofMillis(1), 1);
		// fewer than the five keys an eviction samples
		for (int i = 0; i < 4; i++) {
			store.acquire("kept-" + i, never, 1);
		}
		for (int i = 0; i < 1000; i++) {
			store.acquire("passing-" + i, quick, 1);
			clock.advance(Duration.ofMillis(1));
		}
		assertThat(store.estimatedKeyCount()).isEqualTo(10);
		for (int i = 0; i < 4; i++) {
			assertThat(store.acquire("kept-" + i, never, 1).allowed()).isFalse();
		}
	}

	@Test
	void aStoreOfOneKeyHoldsTheLastKey() {
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(new ManualClock()).maximumKeys(1).build();
		TokenBucketSpec spec = new TokenBucketSpec(0, Duration.ofSeconds(1), 1);
		assertThat(store.acquire("a", spec, 1).allowed()).isTrue();
		assertThat(store.acquire("b", spec, 1).allowed()).isTrue();
		assertThat(store.estimatedKeyCount()).isOne();
		assertThat(store.acquire("b", spec, 1).allowed()).isFalse();
		assertThat(store.acquire("a", spec, 1).allowed()).as("evicted: a new key").isTrue();
	}

	/**
	 * Eight threads take permits from four hot keys that never refill while each also creates a stream of cold keys,
	 * so that the store is full and evicts all along: each hot key admits exactly its burst (an eviction picks among
	 * five distinct sampled keys the one fresh soonest, always a cold key), and the store never holds more than its
	 * bound.
	 */
	@Test
	void manyThreadsOnHotKeysDuringEvictionAreExactAndBounded() throws Exception {
		ManualClock clock = new ManualClock();
		int maximumKeys = 2048;
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(clock).maximumKeys(maximumKeys).build();
		long burst = 1000;
		TokenBucketSpec hot = new TokenBucketSpec(0, Duration.ofSeconds(1), burst);
		TokenBucketSpec cold = new TokenBucketSpec(1, Duration.ofSeconds(1), 1);
		RateLimitStore.BoundLimit coldKeys = store.bind("cold", cold, 0);
		int threads = 8;
		int hotKeys = 4;
		int rounds = 20_000;
		AtomicLong[] admitted = new AtomicLong[hotKeys];
		for (int k = 0; k < hotKeys; k++) {
			admitted[k] = new AtomicLong();
		}
		AtomicLong coldRefused = new AtomicLong();
		AtomicLong largest = new AtomicLong();
		CountDownLatch start = new CountDownLatch(1);
		List<Thread> workers = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int first = t;
			Thread worker = new Thread(() -> {
				awaitQuietly(start);
				for (int i = 0; i < rounds; i++) {
					int key = (first + i) % hotKeys;
					if (store.acquire("hot-" + key, hot, 1).allowed()) {
						admitted[key].incrementAndGet();
					}
					if (!coldKeys.acquire(first + "-" + i, 1).allowed()) {
						coldRefused.incrementAndGet();
					}
				}
			});
			worker.start();
			workers.add(worker);
		}
		Thread watcher = new Thread(() -> {
			while (workers.stream().anyMatch(Thread::isAlive)) {
				largest.accumulateAndGet(store.estimatedKeyCount(), Math::max);
			}
		});
		watcher.start();
		start.countDown();
		for (Thread worker : workers) {
			worker.join();
		}
		watcher.join();
		for (AtomicLong count : admitted) {
			assertThat(count.get()).isEqualTo(burst);
		}
		assertThat(coldRefused.get()).as("a new key's first permit").isZero();
		assertThat(largest.get()).isLessThanOrEqualTo(maximumKeys);
		assertThat(store.estimatedKeyCount()).isLessThanOrEqualTo(maximumKeys).isGreaterThan(maximumKeys * 3 / 4);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static long usedHeapAfterGc(MemoryMXBean memory) {
		long used = Long.MAX_VALUE;
		for (int i = 0; i < 5; i++) {
			System.gc();
			used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
		}
		return used;
	}

	/**
	 * Eight threads take single permits from one key for about a second on the system clock. Over the time from the
	 * first to the last decision ({@code T}) a bucket can admit at most {@code burst + floor(rate × T)}. After the
	 * deadline each thread stops at its first refusal, when the bucket is empty, so every permit refilled until then
	 * has been taken: at least 99 % of the burst plus the refill from the first decision to the deadline must be
	 * admitted, however long the (shared, loaded) test machine deschedules the threads. The burst holds a second of
	 * refill, so that no refill is lost to a full bucket while every thread is descheduled.
	 */
	@Test
	void eightThreadsOnOneKeyAdmitAtMostTheBucketAndAtLeastNinetyNinePercentOfIt() throws InterruptedException {
		Clock clock = Clock.system();
		InMemoryRateLimitStore store = InMemoryRateLimitStore.builder().clock(clock).build();
		long rate = 10_000;
		long burst = 10_000;
		TokenBucketSpec spec = new TokenBucketSpec(rate, Duration.ofSeconds(1), burst);
		AtomicLong admitted = new AtomicLong();
		AtomicLong firstCall = new AtomicLong(Long.MAX_VALUE);
		CountDownLatch start = new CountDownLatch(1);
		List<Thread> threads = new ArrayList<>();
		long[] deadline = new long[1];
		for (int t = 0; t < 8; t++) {
			Thread thread = new Thread(() -> {
				try {
					start.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				long mine = 0;
				boolean allowed;
				do {
					allowed = store.acquire("hot", spec, 1).allowed();
					if (allowed) {
						mine++;
					}
					if (mine == 1 && allowed) {
						// the bucket was created before this instant
						firstCall.accumulateAndGet(clock.nanoTime(), Math::min);
					}
				}
				while (allowed || clock.nanoTime() - deadline[0] < 0);
				admitted.addAndGet(mine);
			});
			thread.start();
			threads.add(thread);
		}
		long begin = clock.nanoTime();
		deadline[0] = begin + 1_000_000_000L;
		start.countDown();
		for (Thread thread : threads) {
			thread.join();
		}
		long end = clock.nanoTime();
		long spanMicros = Math.floorDiv(end, 1000) - Math.floorDiv(begin, 1000);
		long upper = burst + rate * spanMicros / 1_000_000;
		long lower = (burst + rate * (deadline[0] - firstCall.get()) / 1_000_000_000) * 99 / 100;
		logger.info("8 threads on one key for {} µs: admitted {} (at most {}, at least {})", spanMicros,
				admitted.get(), upper, lower);
		assertThat(admitted.get()).isLessThanOrEqualTo(upper).isGreaterThanOrEqualTo(lower);
	}

}
