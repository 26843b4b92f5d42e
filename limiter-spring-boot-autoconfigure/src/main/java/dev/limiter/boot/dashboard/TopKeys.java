package dev.limiter.boot.dashboard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The most frequent keys of one rate limiter, by the Space-Saving algorithm (Metwally, Agrawal, El Abbadi, 2005):
 * {@code k} counters; a key already counted adds its weight, a new key takes a free counter or replaces the key of
 * the smallest counter, inheriting its count as the error bound. Every key whose share of the stream is above
 * {@code 1/k} is kept, and a kept key's count overestimates its true count by at most its error. Counts decay (all
 * multiplied by one factor, which weighs the stream exponentially towards now), so the keys shown are those of the
 * last seconds. Memory: {@code k} keys and {@code 2k} doubles.
 * <p>
 * {@link #offer} never blocks and never allocates: a call that finds another thread updating the counters is skipped,
 * so under contention the counters see a sample of the calls, which keeps the shares but not the absolute counts.
 * Thread-safe.
 */
final class TopKeys {

	/** The most counters one sketch may have. */
	static final int MAX_SIZE = 20;

	private final String[] keys;

	private final double[] counts;

	private final double[] errors;

	private final AtomicBoolean busy = new AtomicBoolean();

	private int size;

	private double total;

	TopKeys(int capacity) {
		if (capacity < 1 || capacity > MAX_SIZE) {
			throw new IllegalArgumentException(
					"capacity must be between 1 and " + MAX_SIZE + " (was " + capacity + ")");
		}
		this.keys = new String[capacity];
		this.counts = new double[capacity];
		this.errors = new double[capacity];
	}

	/**
	 * Counts one call of the key, unless another thread is updating the sketch.
	 * @param key the key
	 * @return whether the call was counted
	 */
	boolean offer(String key) {
		if (!this.busy.compareAndSet(false, true)) {
			return false;
		}
		try {
			add(key);
			return true;
		}
		finally {
			this.busy.set(false);
		}
	}

	private void add(String key) {
		this.total++;
		int hash = key.hashCode();
		int smallest = 0;
		for (int i = 0; i < this.size; i++) {
			String counted = this.keys[i];
			if (counted.hashCode() == hash && counted.equals(key)) {
				this.counts[i]++;
				return;
			}
			if (this.counts[i] < this.counts[smallest]) {
				smallest = i;
			}
		}
		if (this.size < this.keys.length) {
			this.keys[this.size] = key;
			this.counts[this.size] = 1;
			this.errors[this.size] = 0;
			this.size++;
			return;
		}
		this.keys[smallest] = key;
		this.errors[smallest] = this.counts[smallest];
		this.counts[smallest] += 1;
	}

	/**
	 * Multiplies every count by the factor, forgetting counters that fall below a hundredth of a call.
	 * @param factor between 0 and 1
	 */
	void decay(double factor) {
		lock();
		try {
			this.total *= factor;
			int kept = 0;
			for (int i = 0; i < this.size; i++) {
				double count = this.counts[i] * factor;
				if (count >= 0.01) {
					this.keys[kept] = this.keys[i];
					this.counts[kept] = count;
					this.errors[kept] = this.errors[i] * factor;
					kept++;
				}
			}
			Arrays.fill(this.keys, kept, this.size, null);
			this.size = kept;
		}
		finally {
			this.busy.set(false);
		}
	}

	/** Forgets every key. */
	void clear() {
		lock();
		try {
			Arrays.fill(this.keys, null);
			this.size = 0;
			this.total = 0;
		}
		finally {
			this.busy.set(false);
		}
	}

	/**
	 * Returns the counted keys, most frequent first.
	 * @param limit the most entries to return
	 * @return the entries
	 */
	List<Entry> top(int limit) {
		List<Entry> entries = new ArrayList<>(this.keys.length);
		double total;
		lock();
		try {
			total = this.total;
			for (int i = 0; i < this.size; i++) {
				entries.add(new Entry(this.keys[i], this.counts[i], this.errors[i], 0));
			}
		}
		finally {
			this.busy.set(false);
		}
		entries.sort(Comparator.comparingDouble(Entry::count).reversed());
		List<Entry> top = new ArrayList<>(Math.min(limit, entries.size()));
		for (Entry entry : entries) {
			if (top.size() == limit) {
				break;
			}
			top.add(new Entry(entry.key(), entry.count(), entry.error(), (total > 0) ? entry.count() / total : 0));
		}
		return top;
	}

	private void lock() {
		while (!this.busy.compareAndSet(false, true)) {
			Thread.onSpinWait();
		}
	}

	/**
	 * One counted key.
	 * @param key the key
	 * @param count its (decayed) count, an overestimate by at most {@code error}
	 * @param error the most by which the count may exceed the true count
	 * @param share the count as a share of every counted call
	 */
	record Entry(String key, double count, double error, double share) {
	}

}
