package dev.limiter.core.ratelimit.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.limiter.core.Clock;

/**
 * Whether Redis is answering, and when to try it again while it is not. The first failure marks Redis unavailable
 * (logged once, reported to the listener and to {@code onDown}, which starts the store's background probe); from
 * then on one try every {@code probeInterval} (a decision's or the background probe's) asks Redis and the decisions
 * use the failure policy, until a try succeeds (logged, reported with the outage's length). Lock-free.
 */
final class Availability {

	private static final Logger logger = LoggerFactory.getLogger(RedisRateLimitStore.class);

	private static final int UP = 0;

	private static final int DOWN = 1;

	private final Clock clock;

	private final long probeIntervalNanos;

	private final RedisRateLimitStore.Listener listener;

	private final Runnable onDown;

	private final AtomicInteger state = new AtomicInteger(UP);

	private final AtomicLong nextProbeNanos = new AtomicLong();

	private volatile long downSinceNanos;

	private volatile long upSinceNanos;

	private volatile int generation;

	Availability(Clock clock, Duration probeInterval, RedisRateLimitStore.Listener listener, Runnable onDown) {
		this.clock = clock;
		this.onDown = onDown;
		this.upSinceNanos = clock.nanoTime();
		this.probeIntervalNanos = probeInterval.toNanos();
		this.listener = listener;
	}

	/** Returns how many outages have ended: what Redis held before one may be lost (a restart). */
	int generation() {
		return this.generation;
	}

	boolean isAvailable() {
		return this.state.get() == UP;
	}

	/** Returns whether this decision should ask Redis: always while it is up, one probe per interval while down. */
	boolean shouldTry(long nowNanos) {
		if (this.state.get() == UP) {
			return true;
		}
		long next = this.nextProbeNanos.get();
		return nowNanos - next >= 0 && this.nextProbeNanos.compareAndSet(next, nowNanos + this.probeIntervalNanos);
	}

	/**
	 * Records a failed attempt. An attempt that started before Redis was last seen recovering (a command queued
	 * during the outage and timing out just after it) tells nothing new and is ignored.
	 */
	void failed(long attemptStartNanos, long nowNanos, Throwable cause) {
		if (attemptStartNanos - this.upSinceNanos < 0) {
			return;
		}
		this.nextProbeNanos.set(nowNanos + this.probeIntervalNanos);
		if (this.state.compareAndSet(UP, DOWN)) {
			this.downSinceNanos = nowNanos;
			logger.warn("Redis rate limit store unavailable, deciding by the failure policy until Redis answers "
					+ "again: {}", cause.toString());
			notify(() -> this.listener.onFailure(cause));
			this.onDown.run();
		}
	}

	/** Runs a listener callback; a failing listener is logged, never passed on to the caller of a decision. */
	private static void notify(Runnable callback) {
		try {
			callback.run();
		}
		catch (RuntimeException ex) {
			logger.warn("Redis rate limit store listener failed", ex);
		}
	}

	void succeeded() {
		if (this.state.get() == DOWN && this.state.compareAndSet(DOWN, UP)) {
			long nowNanos = this.clock.nanoTime();
			this.upSinceNanos = nowNanos;
			this.generation++;
			Duration outage = Duration.ofNanos(Math.max(0, nowNanos - this.downSinceNanos));
			logger.info("Redis rate limit store available again after {} ms", outage.toMillis());
			notify(() -> this.listener.onRecovery(outage));
		}
	}

}
