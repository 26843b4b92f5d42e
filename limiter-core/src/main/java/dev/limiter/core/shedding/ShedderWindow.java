package dev.limiter.core.shedding;

import dev.limiter.core.Clock;
import dev.limiter.core.window.BucketVisitor;

/**
 * The two rolling windows of {@link AdaptiveShedder}, go-zero's {@code passCounter} and {@code rtCounter}
 * ({@code collection.RollingWindow} with {@code IgnoreCurrentBucket}), on one ring of buckets under one lock: a
 * passed call is recorded in both with a single clock reading and a single lock.
 *
 * <p>Each series behaves as a {@link dev.limiter.core.window.RollingWindow} of the same size and interval whose grid
 * starts at {@code startNanos}. Sharing the ring's offset changes nothing the shedder can observe: the shedder adds
 * to both series together, and a bucket one series skipped is shown to it empty (sum 0, count 0), which neither
 * maxPass nor minRt counts.
 *
 * <p>Why not two {@link dev.limiter.core.window.RollingWindow}s: a passed call would take two locks and two clock
 * readings, and the shedder's one question (max pass × min response time) would need two visits of the rings.
 *
 * <p>Thread-safe: every method runs under the window's lock.
 */
final class ShedderWindow {

	/*
	 * Implementation notes: offset, lastTime, span and the clearing of expired buckets are those of
	 * dev.limiter.core.window.RollingWindow (go-zero rollingwindow.go), with the division skipped while the time is
	 * still in the current bucket.
	 */

	private final int size;

	private final long intervalNanos;

	private final Clock clock;

	private final double[][] sums;

	private final long[][] counts;

	private int offset;

	private long lastTime;

	/** go-zero's passCounter: 1 per passed call. */
	final Series passes;

	/** go-zero's rtCounter: the response time of each passed call, in milliseconds. */
	final Series responseTimes;

	ShedderWindow(int size, long intervalNanos, Clock clock, long startNanos) {
		this.size = size;
		this.intervalNanos = intervalNanos;
		this.clock = clock;
		this.sums = new double[2][size];
		this.counts = new long[2][size];
		this.lastTime = startNanos;
		this.passes = new Series(0);
		this.responseTimes = new Series(1);
	}

	int size() {
		return this.size;
	}

	long intervalNanos() {
		return this.intervalNanos;
	}

	/** Records a passed call: 1 in the pass series and its response time in the other, in the bucket of now. */
	synchronized void addPass(double responseTime, long now) {
		updateOffset(fresh(now));
		int index = this.offset;
		this.sums[0][index] += 1;
		this.counts[0][index]++;
		this.sums[1][index] += responseTime;
		this.counts[1][index]++;
	}

	/**
	 * Computes max(1, the largest pass sum of a completed bucket) × min(default, the smallest rounded mean
	 * response time of a completed bucket), as go-zero's maxPass() × minRt(), in one visit of the ring.
	 */
	synchronized double maxPassTimesMinRt(long now, double defaultMinRt) {
		long maxPass = 1;
		double minRt = defaultMinRt;
		int span = span(fresh(now));
		int diff = (span == 0) ? this.size - 1 : this.size - span;
		int start = (this.offset + span + 1) % this.size;
		for (int i = 0; i < diff; i++) {
			int index = (start + i) % this.size;
			double passes = this.sums[0][index];
			if (passes > maxPass) {
				maxPass = (long) passes;
			}
			long count = this.counts[1][index];
			if (count > 0) {
				double average = AdaptiveShedder.roundHalfAwayFromZero(this.sums[1][index] / (double) count);
				if (average < minRt) {
					minRt = average;
				}
			}
		}
		return (double) maxPass * minRt;
	}

	private synchronized void add(int series, double value, long now) {
		updateOffset(fresh(now));
		this.sums[series][this.offset] += value;
		this.counts[series][this.offset]++;
	}

	private synchronized void reduce(int series, BucketVisitor visitor, long now) {
		int span = span(fresh(now));
		int diff = (span == 0) ? this.size - 1 : this.size - span;
		int start = (this.offset + span + 1) % this.size;
		for (int i = 0; i < diff; i++) {
			int index = (start + i) % this.size;
			visitor.visit(this.sums[series][index], this.counts[series][index]);
		}
	}

	/**
	 * Under the lock: a clock reading taken before the lock that is a whole bucket or more behind the bucket last
	 * written to went stale while its thread waited (a RollingWindow reads the clock under its lock), so it is read
	 * again; taken as it is, it would mean that time went backwards, which empties the window. When time really went
	 * backwards (a ManualClock), the new reading is the same.
	 */
	private long fresh(long now) {
		return (now - this.lastTime <= -this.intervalNanos) ? this.clock.nanoTime() : now;
	}

	private int span(long now) {
		long buckets = (now - this.lastTime) / this.intervalNanos;
		return (buckets >= 0 && buckets < this.size) ? (int) buckets : this.size;
	}

	private void updateOffset(long now) {
		long elapsed = now - this.lastTime;
		if (elapsed < this.intervalNanos && elapsed > -this.intervalNanos) {
			return; // span(now) == 0
		}
		int span = span(now);
		if (span <= 0) {
			return;
		}
		for (int i = 0; i < span; i++) {
			int index = (this.offset + i + 1) % this.size;
			this.sums[0][index] = 0;
			this.counts[0][index] = 0;
			this.sums[1][index] = 0;
			this.counts[1][index] = 0;
		}
		this.offset = (this.offset + span) % this.size;
		this.lastTime = now - (now - this.lastTime) % this.intervalNanos;
	}

	/** One series seen as a rolling window of its own (for tests): add and reduce read the window's clock. */
	final class Series {

		private final int series;

		private Series(int series) {
			this.series = series;
		}

		void add(double value) {
			ShedderWindow.this.add(this.series, value, ShedderWindow.this.clock.nanoTime());
		}

		void reduce(BucketVisitor visitor) {
			ShedderWindow.this.reduce(this.series, visitor, ShedderWindow.this.clock.nanoTime());
		}

	}

}
