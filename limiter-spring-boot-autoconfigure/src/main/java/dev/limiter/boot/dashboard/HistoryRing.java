package dev.limiter.boot.dashboard;

/**
 * The last {@code capacity} samples of a fixed set of series, one row of floats per sample with its time. Not
 * thread-safe: {@link LimiterDashboard} guards it.
 */
final class HistoryRing {

	private final long[] times;

	private final float[][] rows;

	private long count;

	HistoryRing(int capacity, int width) {
		if (capacity < 1) {
			throw new IllegalArgumentException("capacity must be positive (was " + capacity + ")");
		}
		this.times = new long[capacity];
		this.rows = new float[capacity][width];
	}

	/**
	 * Returns the row the next sample is written to; {@link #commit} publishes it.
	 * @return the row to fill
	 */
	float[] next() {
		return this.rows[(int) (this.count % this.rows.length)];
	}

	/**
	 * Publishes the row {@link #next} returned.
	 * @param timeMillis the sample's time
	 */
	void commit(long timeMillis) {
		this.times[(int) (this.count % this.times.length)] = timeMillis;
		this.count++;
	}

	/**
	 * Returns how many samples are held.
	 * @return at most the capacity
	 */
	int size() {
		return (int) Math.min(this.count, this.rows.length);
	}

	/**
	 * Returns the time of a held sample.
	 * @param index 0 for the oldest held
	 * @return its time in epoch milliseconds
	 */
	long time(int index) {
		return this.times[slot(index)];
	}

	/**
	 * Returns the row of a held sample.
	 * @param index 0 for the oldest held
	 * @return its row (not a copy)
	 */
	float[] row(int index) {
		return this.rows[slot(index)];
	}

	private int slot(int index) {
		if (index < 0 || index >= size()) {
			throw new IndexOutOfBoundsException(index);
		}
		long oldest = this.count - size();
		return (int) ((oldest + index) % this.rows.length);
	}

}
