package dev.limiter.core.window;

import java.time.Duration;
import java.util.Objects;

import dev.limiter.core.Clock;

/**
 * A ring of {@code size} buckets, each covering {@code interval} of time, that sums the values added during the
 * last {@code size × interval}; go-zero's {@code collection.RollingWindow}, exactly.
 *
 * <p>The model: the window is created at time {@code t0}, and bucket {@code m} covers
 * {@code [t0 + m·interval, t0 + (m+1)·interval)}. {@link #add(double)} adds the value to the bucket of the current
 * time (its sum grows by the value, its count by one), first clearing the buckets that have expired since the
 * previous add. {@link #reduce(BucketVisitor)} visits, oldest to newest, the buckets that are still inside the
 * window: the {@code size} most recent ones including the current bucket, or, with {@code ignoreCurrentBucket}, the
 * {@code size - 1} completed ones before it (the current bucket holds partial data). Buckets that expired are never
 * visited, and reading never changes the window.
 *
 * <p>Edge cases: {@code size} must be at least 1 and {@code interval} positive. With {@code size == 1} and
 * {@code ignoreCurrentBucket}, a reduce right after an add sees nothing. Time going backwards (possible with a
 * {@link dev.limiter.core.ManualClock}, never with {@link Clock#system()}) empties the window, as in go-zero: a
 * negative elapsed time counts as "more than the whole window ago". Sums are {@code double}; integer values stay
 * exact up to 2<sup>53</sup>.
 *
 * <p>Thread-safe: {@code add} and {@code reduce} read the clock and do their work under one lock, so a visitor sees
 * a consistent snapshot and operations take effect in clock order; a visitor must be quick and must not call back
 * into the window.
 */
public final class RollingWindow {

	/*
	 * Implementation notes (go-zero core/collection/rollingwindow.go):
	 * - lastTime is the start of the bucket last written to and always stays on the creation grid
	 *   (lastTime = now - (now - lastTime) % interval); offset is that bucket's index in the ring.
	 * - span = (now - lastTime) / interval with Java's truncating division, as Go's; a span outside [0, size) counts
	 *   as size (everything expired), which is also what a negative elapsed time gives.
	 * - reduce visits diff = size - span buckets starting at (offset + span + 1) % size, or size - 1 when span == 0
	 *   and the current bucket is ignored; with span >= 1 the bucket last written to is visited even when
	 *   ignoreCurrentBucket is set, because it is no longer current.
	 */

	private final int size;

	private final long intervalNanos;

	private final boolean ignoreCurrentBucket;

	private final Clock clock;

	private final double[] sums;

	private final long[] counts;

	private final long startNanos;

	private int offset;

	private long lastTime;

	/**
	 * Creates an empty window whose grid starts now.
	 * @param size the number of buckets, at least 1
	 * @param interval the time each bucket covers, positive
	 * @param ignoreCurrentBucket whether {@link #reduce(BucketVisitor)} leaves out the bucket of the current time
	 * @param clock the clock to read
	 * @throws IllegalArgumentException if {@code size < 1} or {@code interval} is not positive
	 */
	public RollingWindow(int size, Duration interval, boolean ignoreCurrentBucket, Clock clock) {
		this(size, interval, ignoreCurrentBucket, clock,
				Objects.requireNonNull(clock, "clock must not be null").nanoTime());
	}

	/**
	 * Creates an empty window whose grid starts at the given reading of the clock, so that several windows can share
	 * one grid (their buckets then start and end at the same instants).
	 * @param size the number of buckets, at least 1
	 * @param interval the time each bucket covers, positive
	 * @param ignoreCurrentBucket whether {@link #reduce(BucketVisitor)} leaves out the bucket of the current time
	 * @param clock the clock to read
	 * @param startNanos the start of bucket 0, a reading of {@code clock}
	 * @throws IllegalArgumentException if {@code size < 1} or {@code interval} is not positive
	 */
	public RollingWindow(int size, Duration interval, boolean ignoreCurrentBucket, Clock clock, long startNanos) {
		if (size < 1) {
			throw new IllegalArgumentException("size must be > 0 (was " + size + ")");
		}
		Objects.requireNonNull(interval, "interval must not be null");
		if (interval.isNegative() || interval.isZero()) {
			throw new IllegalArgumentException("interval must be > 0 (was " + interval + ")");
		}
		this.size = size;
		this.intervalNanos = toNanosSaturated(interval);
		this.ignoreCurrentBucket = ignoreCurrentBucket;
		this.clock = Objects.requireNonNull(clock, "clock must not be null");
		this.sums = new double[size];
		this.counts = new long[size];
		this.startNanos = startNanos;
		this.lastTime = startNanos;
	}

	/**
	 * Adds a value to the bucket of the current time.
	 * @param value the value to add
	 */
	public void add(double value) {
		synchronized (this) {
			long now = this.clock.nanoTime();
			updateOffset(now);
			this.sums[this.offset] += value;
			this.counts[this.offset]++;
		}
	}

	/**
	 * Visits the buckets inside the window, oldest first; see the class description for which buckets those are.
	 * Does not change the window.
	 * @param visitor receives each bucket's sum and count
	 */
	public void reduce(BucketVisitor visitor) {
		synchronized (this) {
			int span = span(this.clock.nanoTime());
			int diff = (span == 0 && this.ignoreCurrentBucket) ? this.size - 1 : this.size - span;
			if (diff > 0) {
				int start = (this.offset + span + 1) % this.size;
				for (int i = 0; i < diff; i++) {
					int index = (start + i) % this.size;
					visitor.visit(this.sums[index], this.counts[index]);
				}
			}
		}
	}

	/**
	 * Returns the number of buckets.
	 * @return the size
	 */
	public int size() {
		return this.size;
	}

	/**
	 * Returns the time each bucket covers.
	 * @return the interval
	 */
	public Duration interval() {
		return Duration.ofNanos(this.intervalNanos);
	}

	/**
	 * Returns the clock reading at which bucket 0 starts; bucket {@code m} covers
	 * {@code [startNanos + m·interval, startNanos + (m+1)·interval)}.
	 * @return the start of the grid
	 */
	public long startNanos() {
		return this.startNanos;
	}

	/**
	 * Returns whether {@link #reduce(BucketVisitor)} leaves out the current bucket.
	 * @return whether the current bucket is ignored
	 */
	public boolean ignoresCurrentBucket() {
		return this.ignoreCurrentBucket;
	}

	private int span(long now) {
		long buckets = (now - this.lastTime) / this.intervalNanos;
		return (buckets >= 0 && buckets < this.size) ? (int) buckets : this.size;
	}

	private void updateOffset(long now) {
		int span = span(now);
		if (span <= 0) {
			return;
		}
		for (int i = 0; i < span; i++) {
			int index = (this.offset + i + 1) % this.size;
			this.sums[index] = 0;
			this.counts[index] = 0;
		}
		this.offset = (this.offset + span) % this.size;
		this.lastTime = now - (now - this.lastTime) % this.intervalNanos;
	}

	private static long toNanosSaturated(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

	@Override
	public String toString() {
		return "RollingWindow[size=" + this.size + ", interval=" + interval() + ", ignoreCurrentBucket="
				+ this.ignoreCurrentBucket + "]";
	}

}
