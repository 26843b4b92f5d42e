package dev.limiter.core.bucket;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs a step on several threads at once, in a loop, for a bounded time on the system clock (no sleeping). */
final class ContendingThreads {

	@FunctionalInterface
	interface Step {

		void run(int thread) throws Exception;

	}

	private ContendingThreads() {
	}

	/**
	 * Starts {@code threads} threads together; each runs {@code step} until {@code duration} has passed since the
	 * start (a step in progress finishes), then all are joined. Fails if a step threw or a thread did not finish.
	 */
	static void run(int threads, Duration duration, Step step) throws InterruptedException {
		CountDownLatch start = new CountDownLatch(1);
		AtomicReference<Throwable> failure = new AtomicReference<>();
		long[] deadline = new long[1];
		Thread[] workers = new Thread[threads];
		for (int i = 0; i < threads; i++) {
			int index = i;
			workers[i] = new Thread(() -> {
				try {
					start.await();
					while (System.nanoTime() - deadline[0] < 0) {
						step.run(index);
					}
				}
				catch (Throwable ex) {
					failure.compareAndSet(null, ex);
				}
			}, "contender-" + i);
			workers[i].start();
		}
		deadline[0] = System.nanoTime() + duration.toNanos();
		start.countDown();
		for (Thread worker : workers) {
			worker.join(TimeUnit.SECONDS.toMillis(10));
			assertThat(worker.isAlive()).as("%s finished", worker.getName()).isFalse();
		}
		assertThat(failure.get()).as("failure in a contending thread").isNull();
	}

}
