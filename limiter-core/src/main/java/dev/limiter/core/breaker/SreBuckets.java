package dev.limiter.core.breaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The rolling window of {@link SreBreaker}: go-zero's {@code collection.RollingWindow} (no
 * {@code IgnoreCurrentBucket}) over go-zero's breaker {@code bucket} of four counters, sum, success, failure and
 * drop.
 *
 * <p>Why not a {@link dev.limiter.core.window.RollingWindow}: a bucket holds three counters, not one sum and count;
 * running totals over the ring let the closed-breaker path read the window in O(span) under an optimistic read; and
 * the breaker's own lock guards it, so it takes no lock of its own.
 *
 * <p>Not thread-safe: the breaker guards it. The pure readers ({@link #span(long)}, {@link #visibleTotal(int)},
 * {@link #visibleAccepts(int)}) may run under an optimistic read that is validated afterwards.
 */
final class SreBuckets {

	/*
	 * Implementation notes: the ring, offset, lastTime and span arithmetic are those of
	 * dev.limiter.core.window.RollingWindow (go-zero rollingwindow.go). On top, running totals of sum and success
	 * over the whole ring are kept (adjusted on add and on bucket reset), so the closed-breaker fast path reads the
	 * window's totals in O(span) instead of O(size): with span == 0 they are the totals of every visible bucket,
	 * otherwise the span buckets after offset are expired and subtracted. The ring's failures and drops (ringOther)
	 * also bound those of the window at any time, since the window only ever shows a subset of the ring. The full
	 * oldest-to-newest scan that counts working and failing buckets (history() in go-zero googlebreaker.go) runs only
	 * when a call may be dropped.
	 */

	private static final VarHandle RING_OTHER;

	static {
		try {
			RING_OTHER = MethodHandles.lookup().findVarHandle(SreBuckets.class, "ringOther", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	static final int SUCCESS = 0;

	static final int FAILURE = 1;

	static final int DROP = 2;

	final int size;

	final long intervalNanos;

	private final long[] success;

	private final long[] failure;

	private final long[] drop;

	private int offset;

	private long lastTime;

	private long ringSuccess;

	/**
	 * Failures and drops over the whole ring; written under the breaker's lock with release semantics and read with
	 * acquire semantics, so that the breaker may read it without its lock (a full volatile store is not needed).
	 */
	private long ringOther;

	// results of the last scan(now)
	long accepts;

	long total;

	int workingBuckets;

	int failingBuckets;

	SreBuckets(int size, long intervalNanos, long now) {
		this.size = size;
		this.intervalNanos = intervalNanos;
		this.success = new long[size];
		this.failure = new long[size];
		this.drop = new long[size];
		this.lastTime = now;
	}

	/** Go's span(): whole intervals since the bucket last written to, or {@code size} when outside [0, size). */
	int span(long now) {
		long buckets = (now - this.lastTime) / this.intervalNanos;
		return (buckets >= 0 && buckets < this.size) ? (int) buckets : this.size;
	}

	/** Sum of all counters over the buckets visible at the given span. */
	long visibleTotal(int span) {
		if (span >= this.size) {
			return 0;
		}
		long total = this.ringSuccess + this.ringOther;
		for (int i = 0; i < span; i++) {
			int index = (this.offset + i + 1) % this.size;
			total -= this.success[index] + this.failure[index] + this.drop[index];
		}
		return total;
	}

	/** Successes over the buckets visible at the given span. */
	long visibleAccepts(int span) {
		if (span >= this.size) {
			return 0;
		}
		long accepts = this.ringSuccess;
		for (int i = 0; i < span; i++) {
			accepts -= this.success[(this.offset + i + 1) % this.size];
		}
		return accepts;
	}

	/**
	 * Failures and drops over the whole ring, expired buckets not yet cleared included: an upper bound of those in
	 * the window at any time. Safe to read without the breaker's lock.
	 */
	long otherBound() {
		return (long) RING_OTHER.getAcquire(this);
	}

	/** Whether {@code now} is a whole bucket or more before the bucket last written to. */
	boolean isBehind(long now) {
		return now - this.lastTime <= -this.intervalNanos;
	}

	/** Records one outcome in the bucket of {@code now}, first clearing expired buckets. */
	void add(int kind, long now) {
		long elapsed = now - this.lastTime;
		if (elapsed >= this.intervalNanos || elapsed <= -this.intervalNanos) {
			updateOffset(now); // span(now) != 0; skipping the division otherwise is the hot path's saving
		}
		int index = this.offset;
		switch (kind) {
			case SUCCESS -> {
				this.success[index]++;
				this.ringSuccess++;
			}
			case FAILURE -> {
				this.failure[index]++;
				RING_OTHER.setRelease(this, this.ringOther + 1);
			}
			default -> {
				this.drop[index]++;
				RING_OTHER.setRelease(this, this.ringOther + 1);
			}
		}
	}

	/**
	 * Go's history(): visits the visible buckets oldest to newest and sets {@link #accepts}, {@link #total},
	 * {@link #workingBuckets} (trailing buckets with successes and no failure) and {@link #failingBuckets} (trailing
	 * buckets with failures and no success); empty and drop-only buckets change neither streak. Does not change the
	 * window.
	 */
	void scan(long now) {
		int span = span(now);
		long accepts = 0;
		long total = 0;
		int working = 0;
		int failing = 0;
		int diff = this.size - span;
		int start = (this.offset + span + 1) % this.size;
		for (int i = 0; i < diff; i++) {
			int index = (start + i) % this.size;
			long successes = this.success[index];
			long failures = this.failure[index];
			accepts += successes;
			total += successes + failures + this.drop[index];
			if (failures > 0) {
				working = 0;
			}
			else if (successes > 0) {
				working++;
			}
			if (successes > 0) {
				failing = 0;
			}
			else if (failures > 0) {
				failing++;
			}
		}
		this.accepts = accepts;
		this.total = total;
		this.workingBuckets = working;
		this.failingBuckets = failing;
	}

	/** Empties every bucket; the grid stays where it is. */
	void clear() {
		for (int i = 0; i < this.size; i++) {
			resetBucket(i);
		}
	}

	long success(int index) {
		return this.success[index];
	}

	long failure(int index) {
		return this.failure[index];
	}

	long drop(int index) {
		return this.drop[index];
	}

	int offset() {
		return this.offset;
	}

	private void updateOffset(long now) {
		int span = span(now);
		if (span <= 0) {
			return;
		}
		for (int i = 0; i < span; i++) {
			resetBucket((this.offset + i + 1) % this.size);
		}
		this.offset = (this.offset + span) % this.size;
		this.lastTime = now - (now - this.lastTime) % this.intervalNanos;
	}

	private void resetBucket(int index) {
		if (this.failure[index] != 0 || this.drop[index] != 0) {
			RING_OTHER.setRelease(this, this.ringOther - this.failure[index] - this.drop[index]);
		}
		this.ringSuccess -= this.success[index];
		this.success[index] = 0;
		this.failure[index] = 0;
		this.drop[index] = 0;
	}

}
