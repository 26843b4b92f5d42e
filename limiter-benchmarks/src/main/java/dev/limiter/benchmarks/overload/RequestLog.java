package dev.limiter.benchmarks.overload;

import java.util.Arrays;

/**
 * What happened to each request of a run: its scheduled arrival time and either its completion time or a mark for
 * rejected / never completed. Arrivals are logged by the single load-generator thread; completions by the workers
 * into their own request's slot. Read only after the workers have stopped.
 */
final class RequestLog {

	static final long REJECTED = Long.MIN_VALUE;

	static final long PENDING = Long.MAX_VALUE;

	private long[] arrivals;

	private long[] ends;

	private int size;

	RequestLog(int expected) {
		this.arrivals = new long[expected];
		this.ends = new long[expected];
	}

	/** Logs an arrival; returns the request's index. Load-generator thread only. */
	int arrive(long arrivalNanos) {
		if (this.size == this.arrivals.length) {
			throw new IllegalStateException("request log full at " + this.size + " requests");
		}
		this.arrivals[this.size] = arrivalNanos;
		this.ends[this.size] = PENDING;
		return this.size++;
	}

	void reject(int request) {
		this.ends[request] = REJECTED;
	}

	void complete(int request, long endNanos) {
		this.ends[request] = endNanos;
	}

	int size() {
		return this.size;
	}

	long arrival(int request) {
		return this.arrivals[request];
	}

	long end(int request) {
		return this.ends[request];
	}

	long[] arrivals() {
		return Arrays.copyOf(this.arrivals, this.size);
	}

}
