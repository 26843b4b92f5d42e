package dev.limiter.benchmarks.overload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.limiter.benchmarks.Percentiles;

/**
 * Turns a run's {@link RequestLog} into per-step figures and 100 ms time series. Latencies are measured from the
 * scheduled arrival; a request still unfinished when the run ended has an infinite latency (and is never good).
 */
final class RunAnalysis {

	static final long BIN_NANOS = 100_000_000L;

	static final double PLOT_CAP_MILLIS = 10_000;

	private static final int SETTLE_BINS = 10;

	/** The figures of one phase. */
	record Step(String label, double multiple, double offeredPerSecond, int arrivals, double goodputOfCapacity,
			double p50Millis, double p99Millis, double rejectedFraction, int unfinished, double settleSeconds) {
	}

	/**
	 * The 100 ms series of a run: time (s), p99 latency of the requests admitted in the bin (ms, capped at
	 * {@link #PLOT_CAP_MILLIS} so that unfinished requests show), rejected %, goodput.
	 */
	record Series(double[] seconds, double[] p99Millis, double[] rejectedPercent, double[] goodputOfCapacity) {
	}

	private final RequestLog log;

	private final long start;

	private final long end;

	private final double boundMillis;

	private final double capacity;

	RunAnalysis(RequestLog log, long startNanos, long endNanos, double boundMillis, double capacityPerSecond) {
		this.log = log;
		this.start = startNanos;
		this.end = endNanos;
		this.boundMillis = boundMillis;
		this.capacity = capacityPerSecond;
	}

	/**
	 * Returns the figures of each phase. The settle time of a phase is how long after it started every 100 ms bin of
	 * a whole second had its admitted p99 within the bound (and, for a phase after overload, at most 1 % of the
	 * second's arrivals rejected); NaN when that never happened.
	 */
	List<Step> steps(List<LoadGenerator.Phase> phases, boolean recoveryPhase) {
		List<Step> steps = new ArrayList<>();
		long phaseStart = this.start;
		for (int p = 0; p < phases.size(); p++) {
			LoadGenerator.Phase phase = phases.get(p);
			long phaseEnd = phaseStart + phase.durationNanos();
			boolean recovery = recoveryPhase && p == phases.size() - 1;
			steps.add(step(phase, phaseStart, phaseEnd, recovery));
			phaseStart = phaseEnd;
		}
		return steps;
	}

	private Step step(LoadGenerator.Phase phase, long from, long to, boolean recovery) {
		int arrivals = 0;
		int rejected = 0;
		int unfinished = 0;
		int good = 0;
		double[] latencies = new double[this.log.size()];
		int admitted = 0;
		for (int i = 0; i < this.log.size(); i++) {
			long arrival = this.log.arrival(i);
			long done = this.log.end(i);
			if (done != RequestLog.REJECTED && done != RequestLog.PENDING && done >= from && done < to
					&& millis(done - arrival) <= this.boundMillis) {
				good++;
			}
			if (arrival < from || arrival >= to) {
				continue;
			}
			arrivals++;
			if (done == RequestLog.REJECTED) {
				rejected++;
				continue;
			}
			if (done == RequestLog.PENDING) {
				unfinished++;
				latencies[admitted++] = Double.POSITIVE_INFINITY;
			}
			else {
				latencies[admitted++] = millis(done - arrival);
			}
		}
		double[] sorted = Arrays.copyOf(latencies, admitted);
		Arrays.sort(sorted);
		double seconds = (to - from) / 1e9;
		return new Step(phase.label(), phase.multiple(), phase.ratePerSecond(), arrivals,
				good / seconds / this.capacity, percentile(sorted, 0.50), percentile(sorted, 0.99),
				(arrivals == 0) ? 0 : (double) rejected / arrivals, unfinished, settle(from, to, recovery));
	}

	private double settle(long from, long to, boolean recovery) {
		int bins = (int) ((to - from) / BIN_NANOS);
		boolean[] ok = new boolean[bins];
		int[] arrivals = new int[bins];
		int[] rejected = new int[bins];
		List<List<Double>> latencies = new ArrayList<>();
		for (int b = 0; b < bins; b++) {
			latencies.add(new ArrayList<>());
		}
		for (int i = 0; i < this.log.size(); i++) {
			long arrival = this.log.arrival(i);
			if (arrival < from || arrival >= from + bins * BIN_NANOS) {
				continue;
			}
			int bin = (int) ((arrival - from) / BIN_NANOS);
			arrivals[bin]++;
			long done = this.log.end(i);
			if (done == RequestLog.REJECTED) {
				rejected[bin]++;
			}
			else {
				latencies.get(bin).add(latency(arrival, done));
			}
		}
		for (int b = 0; b < bins; b++) {
			double[] sorted = latencies.get(b).stream().mapToDouble(Double::doubleValue).sorted().toArray();
			ok[b] = sorted.length == 0 || percentile(sorted, 0.99) <= this.boundMillis;
		}
		for (int b = 0; b < bins; b++) {
			int last = Math.min(bins, b + SETTLE_BINS);
			if (last - b < Math.min(SETTLE_BINS, bins)) {
				break;
			}
			boolean settled = true;
			int windowArrivals = 0;
			int windowRejected = 0;
			for (int k = b; k < last && settled; k++) {
				settled = ok[k];
				windowArrivals += arrivals[k];
				windowRejected += rejected[k];
			}
			if (settled && (!recovery || windowRejected <= 0.01 * windowArrivals)) {
				return b * BIN_NANOS / 1e9;
			}
		}
		return Double.NaN;
	}

	/** Returns the run's time series in 100 ms bins. */
	Series series() {
		int bins = (int) Math.max(1, (this.end - this.start) / BIN_NANOS);
		int[] arrivals = new int[bins];
		int[] rejected = new int[bins];
		int[] good = new int[bins];
		List<List<Double>> latencies = new ArrayList<>();
		for (int b = 0; b < bins; b++) {
			latencies.add(new ArrayList<>());
		}
		for (int i = 0; i < this.log.size(); i++) {
			long arrival = this.log.arrival(i);
			long done = this.log.end(i);
			int bin = (int) ((arrival - this.start) / BIN_NANOS);
			if (bin >= 0 && bin < bins) {
				arrivals[bin]++;
				if (done == RequestLog.REJECTED) {
					rejected[bin]++;
				}
				else {
					latencies.get(bin).add(latency(arrival, done));
				}
			}
			if (done != RequestLog.REJECTED && done != RequestLog.PENDING
					&& millis(done - arrival) <= this.boundMillis) {
				int doneBin = (int) ((done - this.start) / BIN_NANOS);
				if (doneBin >= 0 && doneBin < bins) {
					good[doneBin]++;
				}
			}
		}
		double[] seconds = new double[bins];
		double[] p99 = new double[bins];
		double[] rejectedPercent = new double[bins];
		double[] goodput = new double[bins];
		for (int b = 0; b < bins; b++) {
			seconds[b] = (b + 0.5) * BIN_NANOS / 1e9;
			double[] sorted = latencies.get(b).stream().mapToDouble(Double::doubleValue).sorted().toArray();
			p99[b] = (sorted.length == 0) ? Double.NaN
					: Math.min(PLOT_CAP_MILLIS, Math.max(0.1, percentile(sorted, 0.99)));
			rejectedPercent[b] = (arrivals[b] == 0) ? 0 : 100.0 * rejected[b] / arrivals[b];
			goodput[b] = good[b] / (BIN_NANOS / 1e9) / this.capacity;
		}
		return new Series(seconds, p99, rejectedPercent, goodput);
	}

	static double percentile(double[] sorted, double quantile) {
		return Percentiles.nearestRank(sorted, quantile);
	}

	private static double latency(long arrival, long done) {
		return (done == RequestLog.PENDING) ? Double.POSITIVE_INFINITY : millis(done - arrival);
	}

	private static double millis(long nanos) {
		return nanos / 1e6;
	}

}
