package dev.limiter.core.bucket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.limiter.core.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several threads on one {@link TokenBucket}: the bucket must never grant more than its rate allows, nor lose or
 * double-count a permit, whatever the interleaving.
 */
class TokenBucketConcurrencyTest {

	private static final int THREADS = 4;

	/**
	 * Real time, about one second of threads calling {@code tryAcquire()} as fast as they can. Over the run a bucket
	 * can grant at most its initial burst plus what refilled: {@code burst + rate * elapsed}, with {@code elapsed}
	 * measured from the moment all threads are released (the bucket is still full then) to after every thread
	 * stopped. The bound gets {@code + 1} because
	 * tokens are fractional: the count of whole permits can reach the next integer above a fractional ideal (and it
	 * absorbs the rounding of the double arithmetic), as in x/time's TestLongRunningQPS. The burst is large enough
	 * (half a second of refill) that threads descheduled on a busy machine lose nothing, so the count, plus the permits
	 * still in the bucket when {@code elapsed} is measured (the threads stop at their deadline, possibly well before
	 * this thread measures), must also come close to the ideal (at least 90 %: refill while the bucket is full is
	 * lost by design).
	 */
	@Test
	void grantsNoMoreThanBurstPlusRateTimesElapsedAndCloseToIt() throws Exception {
		double rate = 10_000;
		int burst = 5_000;
		long runNanos = Duration.ofSeconds(1).toNanos();
		TokenBucket bucket = TokenBucket.of(rate, burst);
		AtomicLong start = new AtomicLong();
		List<Long> counts = runOnThreads(() -> start.set(System.nanoTime()), () -> {
			long granted = 0;
			long deadline = start.get() + runNanos;
			while (System.nanoTime() < deadline) {
				if (bucket.tryAcquire()) {
					granted++;
				}
			}
			return granted;
		});
		long elapsed = System.nanoTime() - start.get();
		double left = Math.max(0, bucket.availablePermits());
		long granted = counts.stream().mapToLong(Long::longValue).sum();
		double ideal = burst + rate * elapsed / 1e9;
		assertThat(granted).as("granted of ideal %.1f", ideal).isLessThanOrEqualTo((long) (ideal + 1));
		assertThat(granted + left).as("granted plus %.1f left, of ideal %.1f", left, ideal)
			.isGreaterThanOrEqualTo(0.9 * ideal);
		assertThat(counts).allSatisfy((count) -> assertThat(count).isPositive());
	}

	/**
	 * Frozen time, so that the accounting is exact: threads mix {@code tryAcquire}, {@code tryAcquire(n)} and
	 * reserve-then-cancel pairs (which must give back exactly what they took, once), then drain the bucket
	 * concurrently. Every permit is granted exactly once. (Reservations are kept away from an empty bucket: there,
	 * x/time deliberately keeps the tokens of a cancelled reservation that later ones were queued behind.)
	 */
	@Test
	void reserveCancelMixesKeepTheTokenAccountingExact() throws Exception {
		int burst = 1_000_000;
		int rounds = 20_000;
		ManualClock clock = new ManualClock();
		clock.advance(Duration.ofSeconds(42));
		TokenBucket bucket = TokenBucket.of(10, burst, clock);
		List<Long> taken = runOnThreads(() -> {
			long mine = 0;
			for (int i = 0; i < rounds; i++) {
				if (bucket.tryAcquire()) {
					mine++;
				}
				if (bucket.tryAcquire(2)) {
					mine += 2;
				}
				Reservation reservation = bucket.reserve(3);
				assertThat(reservation.isOk()).isTrue();
				assertThat(reservation.delay()).isEqualTo(Duration.ZERO);
				reservation.cancel();
				reservation.cancel();
			}
			return mine;
		});
		long takenTotal = taken.stream().mapToLong(Long::longValue).sum();
		assertThat(takenTotal).isEqualTo(3L * rounds * THREADS);
		assertThat(bucket.availablePermits()).isEqualTo((double) (burst - takenTotal));

		List<Long> drained = runOnThreads(() -> {
			long mine = 0;
			for (;;) {
				if (bucket.tryAcquire(2)) {
					mine += 2;
				}
				else if (bucket.tryAcquire()) {
					mine++;
				}
				else {
					return mine;
				}
			}
		});
		assertThat(drained.stream().mapToLong(Long::longValue).sum()).isEqualTo(burst - takenTotal);
		assertThat(bucket.availablePermits()).isEqualTo(0.0);
		assertThat(bucket.tryAcquire()).isFalse();
	}

	/** x/time TestSimultaneousRequests, at scale: with time frozen, exactly the burst is granted. */
	@Test
	void concurrentCallersShareExactlyTheBurst() throws Exception {
		int burst = 100_000;
		ManualClock clock = new ManualClock();
		TokenBucket bucket = TokenBucket.of(1, burst, clock);
		List<Long> counts = runOnThreads(() -> {
			long mine = 0;
			int misses = 0;
			while (misses < 1_000) {
				if (bucket.tryAcquire()) {
					mine++;
				}
				else {
					misses++;
				}
			}
			return mine;
		});
		assertThat(counts.stream().mapToLong(Long::longValue).sum()).isEqualTo(burst);
	}

	private static List<Long> runOnThreads(Callable<Long> task) throws Exception {
		return runOnThreads(() -> {
		}, task);
	}

	private static List<Long> runOnThreads(Runnable onStart, Callable<Long> task) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		CyclicBarrier barrier = new CyclicBarrier(THREADS, onStart);
		try {
			List<Future<Long>> futures = new ArrayList<>();
			for (int i = 0; i < THREADS; i++) {
				futures.add(pool.submit(() -> {
					barrier.await();
					return task.call();
				}));
			}
			List<Long> results = new ArrayList<>();
			for (Future<Long> future : futures) {
				results.add(future.get(30, TimeUnit.SECONDS));
			}
			return results;
		}
		finally {
			pool.shutdownNow();
		}
	}

}
