package dev.limiter.core.breaker;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The time-based rolling window of a {@link ThresholdBreaker}: calls, failed calls and slow calls over the last
 * {@code size} buckets of {@code width} nanoseconds (the current, partial bucket included). Lock-free and
 * allocation-free.
 *
 * <p>Why not a {@link dev.limiter.core.window.RollingWindow}: that one takes a lock and reads the clock on every add;
 * this window records a call with one atomic add on cumulative counters (successes mostly without a clock reading)
 * and answers the failure and slow-call rates in O(1), not by visiting every bucket.
 */
final class CallWindow {

	/*
	 * Implementation notes. Counters are cumulative and never reset: `counts` packs calls (low 32 bits) and failed
	 * calls (high 32 bits) as one integer, calls + failures * 2^32, so a single getAndAdd records a call. At the start
	 * of each bucket the cumulative values are copied into a ring slot; the window's counts are the cumulative values
	 * minus those at the start of its oldest bucket. Subtraction of the packed integers is exact modulo 2^64, so the
	 * two fields come out right as long as a window holds fewer than 2^32 calls, however long the breaker lives.
	 * The ring has a power-of-two number of slots >= size.
	 *
	 * Reading the clock costs more than the rest of recording a call, so successes may be recorded without a time
	 * (recordUntimed): the caller reads the clock for one of every `sampleMask + 1` of them, a power of two that
	 * adapts to keep samples between 1/64 and 1/8 of a bucket apart (from 1 to 64 calls). Calls recorded after the
	 * last clock reading are put in the newest bucket when the window next moves: at most 63 successes can thus stay
	 * in the window longer than they should, never shorter, so the failure rate is never over-estimated. Failed and
	 * slow calls always read the clock, and then the window is exact single-threaded. Under concurrency it may be off
	 * by the few calls recorded while a bucket boundary is being crossed.
	 */

	static final long FAILURE = 1L << 32;

	private static final long LOW_MASK = 0xFFFF_FFFFL;

	private final int size;

	private final long width;

	private final long origin;

	private final int mask;

	private final AtomicLong newestBucket = new AtomicLong();

	private final AtomicLong counts = new AtomicLong();

	private final AtomicLong slowCalls = new AtomicLong();

	private final AtomicLongArray countsAtStart;

	private volatile long countsAtSample;

	private volatile long slowAtSample;

	private volatile long sampledAt;

	private volatile int sampleMask;

	private final AtomicLongArray slowAtStart;

	CallWindow(int size, long width, long origin) {
		this.size = size;
		this.width = width;
		this.origin = origin;
		int slots = Integer.highestOneBit(size);
		if (slots < size) {
			slots <<= 1;
		}
		this.mask = slots - 1;
		this.countsAtStart = new AtomicLongArray(slots);
		this.slowAtStart = new AtomicLongArray(slots);
		this.sampledAt = origin;
	}

	/**
	 * Moves the window to the bucket that contains {@code now} (never backwards) and returns that bucket's index.
	 */
	long advance(long now) {
		long relative = now - this.origin;
		long current = this.newestBucket.get();
		if (relative - current * this.width >= this.width) {
			long target = Math.floorDiv(relative, this.width);
			while (target > current) {
				if (this.newestBucket.compareAndSet(current, target)) {
					// calls recorded since the last clock reading may belong to any bucket up to target: count them
					// in target, the newest, so that they stay in the window as long as they possibly can
					long countsBefore = this.countsAtSample;
					long slowBefore = this.slowAtSample;
					for (long bucket = Math.max(current + 1, target - this.mask); bucket <= target; bucket++) {
						int slot = (int) (bucket & this.mask);
						this.countsAtStart.set(slot, countsBefore);
						this.slowAtStart.set(slot, slowBefore);
					}
					current = target;
					break;
				}
				current = this.newestBucket.get();
			}
		}
		this.countsAtSample = this.counts.get();
		this.slowAtSample = this.slowCalls.get();
		return current;
	}

	/**
	 * Records one fast success without a clock reading; returns whether the caller should now read the clock and
	 * call {@link #sampled(long)}.
	 */
	boolean recordUntimed() {
		return (this.counts.incrementAndGet() & this.sampleMask) == 0;
	}

	/**
	 * Moves the window after a sampled untimed success, adapts how often successes are sampled, and returns the newest
	 * bucket.
	 */
	long sampled(long now) {
		long elapsed = now - this.sampledAt;
		this.sampledAt = now;
		int sampling = this.sampleMask;
		if (elapsed < (this.width >> 6) && sampling < 63) {
			this.sampleMask = (sampling << 1) | 1;
		}
		else if (elapsed > (this.width >> 3) && sampling > 0) {
			this.sampleMask = sampling >>> 1;
		}
		return advance(now);
	}

	/**
	 * Records one call in the given (newest) bucket, just after {@link #advance(long)}, and returns the window's
	 * packed counts: calls in the low 32 bits, failed calls in the high 32 bits.
	 */
	long record(long bucket, boolean failure, boolean slow) {
		if (slow) {
			this.slowAtSample = this.slowCalls.incrementAndGet();
		}
		long total = this.counts.addAndGet(failure ? 1 + FAILURE : 1);
		this.countsAtSample = total;
		return total - this.countsAtStart.get(oldestSlot(bucket));
	}

	/** Returns the window's packed counts as of the given (newest) bucket, without recording anything. */
	long counts(long bucket) {
		return this.counts.get() - this.countsAtStart.get(oldestSlot(bucket));
	}

	/** Returns the number of slow calls in the window as of the given (newest) bucket. */
	long slowCalls(long bucket) {
		return this.slowCalls.get() - this.slowAtStart.get(oldestSlot(bucket));
	}

	/** Empties the window; the newest bucket becomes the one containing {@code now}. */
	void clear(long now) {
		long target = Math.max(this.newestBucket.get(), Math.floorDiv(now - this.origin, this.width));
		this.newestBucket.set(target);
		long countsNow = this.counts.get();
		long slowNow = this.slowCalls.get();
		this.countsAtSample = countsNow;
		this.slowAtSample = slowNow;
		for (int slot = 0; slot <= this.mask; slot++) {
			this.countsAtStart.set(slot, countsNow);
			this.slowAtStart.set(slot, slowNow);
		}
	}

	static long calls(long packed) {
		return packed & LOW_MASK;
	}

	static long failures(long packed) {
		return packed >>> 32;
	}

	private int oldestSlot(long bucket) {
		return (int) ((bucket - this.size + 1) & this.mask);
	}

}
