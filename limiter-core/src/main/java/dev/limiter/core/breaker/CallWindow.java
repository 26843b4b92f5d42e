package dev.limiter.core.breaker;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The time-based rolling window of a {@link ThresholdBreaker}: calls, failed calls and slow calls over the last
 * {@code size} buckets of {@code width} nanoseconds (the current, partial bucket included). Lock-free and
 * allocation-free.
 */
final class CallWindow {

	/*
	 * Implementation notes. Counters are cumulative and never reset: `counts` packs calls (low 32 bits) and failed
	 * calls (high 32 bits) as one integer, calls + failures * 2^32, so a single getAndAdd records a call. At the start
	 * of each bucket the cumulative values are copied into a ring slot; the window's counts are the cumulative values
	 * minus those at the start of its oldest bucket. Subtraction of the packed integers is exact modulo 2^64, so the
	 * two fields come out right as long as a window holds fewer than 2^32 calls, however long the breaker lives.
	 * The ring has a power-of-two number of slots >= size. Under concurrency a window may be off by the few calls
	 * recorded while a bucket boundary is being crossed; single-threaded it is exact.
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
	}

	/**
	 * Moves the window to the bucket that contains {@code now} (never backwards) and returns that bucket's index.
	 */
	long advance(long now) {
		long relative = now - this.origin;
		long current = this.newestBucket.get();
		if (relative - current * this.width < this.width) {
			return current; // same bucket, or time went backwards
		}
		long target = Math.floorDiv(relative, this.width);
		for (;;) {
			if (target <= current) {
				return current;
			}
			if (this.newestBucket.compareAndSet(current, target)) {
				long countsNow = this.counts.get();
				long slowNow = this.slowCalls.get();
				for (long bucket = Math.max(current + 1, target - this.mask); bucket <= target; bucket++) {
					int slot = (int) (bucket & this.mask);
					this.countsAtStart.set(slot, countsNow);
					this.slowAtStart.set(slot, slowNow);
				}
				return target;
			}
			current = this.newestBucket.get();
		}
	}

	/**
	 * Records one call in the given (newest) bucket and returns the window's packed counts: calls in the low 32 bits,
	 * failed calls in the high 32 bits.
	 */
	long record(long bucket, boolean failure, boolean slow) {
		if (slow) {
			this.slowCalls.incrementAndGet();
		}
		long total = this.counts.addAndGet(failure ? 1 + FAILURE : 1);
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
