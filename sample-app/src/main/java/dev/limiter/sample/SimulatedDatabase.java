package dev.limiter.sample;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Component;

/**
 * A database reached through a small connection pool, as HikariCP gives one: a query waits, first come first
 * served, for one of {@code sample.pool.size} connections (at most {@code max-wait}), then holds it for
 * {@code hold-time}. Under overload the request threads queue on the pool while the CPU stays nearly idle.
 */
@Component
class SimulatedDatabase {

	private final Semaphore connections;

	private final long holdNanos;

	private final long maxWaitNanos;

	SimulatedDatabase(PoolProperties properties) {
		if (properties.getSize() < 1) {
			throw new IllegalArgumentException("sample.pool.size must be >= 1 (was " + properties.getSize() + ")");
		}
		if (properties.getHoldTime().isNegative()) {
			throw new IllegalArgumentException(
					"sample.pool.hold-time must be >= 0 (was " + properties.getHoldTime() + ")");
		}
		this.connections = new Semaphore(properties.getSize(), true);
		this.holdNanos = properties.getHoldTime().toNanos();
		this.maxWaitNanos = Math.max(0, properties.getMaxWait().toNanos());
	}

	/**
	 * Runs one query.
	 * @return how long the query waited for a connection
	 * @throws PoolExhaustedException if no connection was free within the maximum wait
	 * @throws InterruptedException if interrupted while waiting or querying
	 */
	Duration query() throws InterruptedException {
		long start = System.nanoTime();
		if (!this.connections.tryAcquire(this.maxWaitNanos, TimeUnit.NANOSECONDS)) {
			throw new PoolExhaustedException(Duration.ofNanos(this.maxWaitNanos));
		}
		try {
			long waited = System.nanoTime() - start;
			TimeUnit.NANOSECONDS.sleep(this.holdNanos);
			return Duration.ofNanos(waited);
		}
		finally {
			this.connections.release();
		}
	}

	/** Connections free right now. */
	int available() {
		return this.connections.availablePermits();
	}

	/** No connection became free within the pool's maximum wait. */
	static final class PoolExhaustedException extends RuntimeException {

		PoolExhaustedException(Duration maxWait) {
			super("No connection available within " + maxWait.toMillis() + " ms", null, false, false);
		}

	}

}
