package dev.limiter.core.shedding;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs one body on several threads at once, released together, and fails with the first thing any of them threw. */
final class Contention {

	private Contention() {
	}

	/**
	 * Runs {@code body} {@code iterations} times on each of {@code threads} threads.
	 * @param threads the number of threads
	 * @param iterations the iterations of each thread
	 * @param body given the iteration's index
	 * @throws InterruptedException if interrupted while waiting for the threads
	 */
	static void run(int threads, int iterations, IntConsumer body) throws InterruptedException {
		CountDownLatch go = new CountDownLatch(1);
		AtomicReference<Throwable> failure = new AtomicReference<>();
		List<Thread> workers = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			Thread worker = new Thread(() -> {
				try {
					go.await();
					for (int i = 0; i < iterations; i++) {
						body.accept(i);
					}
				}
				catch (Throwable ex) {
					failure.compareAndSet(null, ex);
				}
			});
			worker.start();
			workers.add(worker);
		}
		go.countDown();
		for (Thread worker : workers) {
			worker.join(TimeUnit.MINUTES.toMillis(1));
		}
		assertThat(failure.get()).isNull();
	}

}
