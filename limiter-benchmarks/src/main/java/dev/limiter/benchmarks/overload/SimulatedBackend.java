package dev.limiter.benchmarks.overload;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A server of known capacity: a fixed pool of worker threads in front of an unbounded queue, each request taking a
 * lognormal service time. {@link Kind#SLEEP} workers wait out the service time (an I/O-bound server: capacity =
 * workers / mean service time, CPU idle); {@link Kind#CPU} workers burn that much thread CPU time (a CPU-bound
 * server: capacity = cores / mean service time, fewer when other processes share the cores).
 */
final class SimulatedBackend {

	enum Kind {

		SLEEP, CPU

	}

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private static volatile long sink;

	private final Kind kind;

	private volatile int workers;

	private final double medianNanos;

	private final double sigma;

	private final ThreadPoolExecutor executor;

	private final AtomicInteger busy = new AtomicInteger();

	SimulatedBackend(Kind kind, int workers, double medianMillis, double sigma) {
		this.kind = kind;
		this.workers = workers;
		this.medianNanos = medianMillis * 1e6;
		this.sigma = sigma;
		AtomicInteger ids = new AtomicInteger();
		this.executor = new ThreadPoolExecutor(workers, workers, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
				(task) -> {
					Thread thread = new Thread(task, "backend-" + kind + "-" + ids.incrementAndGet());
					thread.setDaemon(true);
					return thread;
				});
		this.executor.prestartAllCoreThreads();
	}

	Kind kind() {
		return this.kind;
	}

	int workers() {
		return this.workers;
	}

	/** Changes the number of workers (the backend's true concurrency) while it runs. */
	void setWorkers(int workers) {
		if (workers < this.workers) {
			this.executor.setCorePoolSize(workers);
			this.executor.setMaximumPoolSize(workers);
		}
		else {
			this.executor.setMaximumPoolSize(workers);
			this.executor.setCorePoolSize(workers);
		}
		this.workers = workers;
	}

	/** Returns the mean service time, median * exp(sigma^2 / 2), in seconds. */
	double meanServiceSeconds() {
		return this.medianNanos * Math.exp(this.sigma * this.sigma / 2) / 1e9;
	}

	/** Returns the fraction of workers busy serving a request now. */
	double utilization() {
		return (double) this.busy.get() / this.workers;
	}

	/** Queues one request; {@code done} runs on the worker once the request has been served. */
	void submit(Runnable done) {
		this.executor.execute(() -> {
			this.busy.incrementAndGet();
			try {
				serve(sampleServiceNanos());
			}
			finally {
				this.busy.decrementAndGet();
			}
			done.run();
		});
	}

	/** Serves one request of the given service time on the calling thread. */
	void serve(long nanos) {
		if (this.kind == Kind.SLEEP) {
			long deadline = System.nanoTime() + nanos;
			for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
				LockSupport.parkNanos(left);
				if (Thread.currentThread().isInterrupted()) {
					return;
				}
			}
		}
		else {
			burnCpu(nanos);
		}
	}

	long sampleServiceNanos() {
		return (long) (this.medianNanos * Math.exp(this.sigma * ThreadLocalRandom.current().nextGaussian()));
	}

	/** Drops queued requests and interrupts running ones; waits for the workers to stop. */
	int shutdown() throws InterruptedException {
		int dropped = this.executor.shutdownNow().size();
		this.executor.awaitTermination(10, TimeUnit.SECONDS);
		return dropped;
	}

	private static void burnCpu(long nanos) {
		long end = THREADS.getCurrentThreadCpuTime() + nanos;
		long x = nanos;
		while (THREADS.getCurrentThreadCpuTime() < end) {
			for (int i = 0; i < 2000; i++) {
				x = x * 6364136223846793005L + 1442695040888963407L;
			}
			if (Thread.currentThread().isInterrupted()) {
				break;
			}
		}
		sink = x;
	}

}
