package dev.limiter.core.ratelimit.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.RateLimiter;

/**
 * Threads that take one permit at a time from one key through leasing limiters until the key is long empty: each
 * thread stops after 500 refusals in a row, when every lease still out has been spent or has ended.
 */
final class LeaseWorkload {

	private static final int REFUSALS_IN_A_ROW = 500;

	private LeaseWorkload() {
	}

	/**
	 * Runs {@code threadsPerLimiter} threads on each limiter and waits for all of them.
	 * @param limiters the limiters, one per instance
	 * @param threadsPerLimiter threads on each limiter
	 * @param key the key every thread asks for
	 * @return what they were told
	 * @throws InterruptedException if interrupted while waiting
	 */
	static Result run(List<RateLimiter> limiters, int threadsPerLimiter, String key) throws InterruptedException {
		AtomicLong admitted = new AtomicLong();
		AtomicLong decisions = new AtomicLong();
		ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
		List<Thread> threads = new ArrayList<>();
		for (RateLimiter limiter : limiters) {
			for (int t = 0; t < threadsPerLimiter; t++) {
				Thread thread = new Thread(() -> {
					try {
						int refusedInARow = 0;
						while (refusedInARow < REFUSALS_IN_A_ROW) {
							Decision decision = limiter.acquire(key);
							decisions.incrementAndGet();
							if (decision.allowed()) {
								admitted.incrementAndGet();
								refusedInARow = 0;
							}
							else {
								refusedInARow++;
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
		}
		for (Thread thread : threads) {
			thread.join();
		}
		return new Result(admitted.get(), decisions.get(), List.copyOf(errors));
	}

	/**
	 * What the threads were told.
	 * @param admitted permits admitted
	 * @param decisions decisions taken
	 * @param errors what any thread threw
	 */
	record Result(long admitted, long decisions, List<Throwable> errors) {
	}

}
