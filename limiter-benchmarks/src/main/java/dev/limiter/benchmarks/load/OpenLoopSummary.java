package dev.limiter.benchmarks.load;

import java.util.Arrays;
import java.util.Locale;

import dev.limiter.benchmarks.Percentiles;

/**
 * What one phase of an {@link OpenLoopLoad} run saw. Every scheduled arrival is <em>offered</em> and ends as exactly
 * one of: <em>good</em> (a 200 within the deadline, counted from its scheduled arrival), <em>late</em> (a 200 after
 * it), <em>shed</em> (a 503 or 429), <em>timeout</em> (no answer within the deadline), <em>error</em> (any other
 * status or a transport failure) or <em>overflow</em> (not sent: the generator already had its maximum of requests
 * outstanding).
 * <p>
 * Goodput is the rate of good answers as a fraction of what the server can do: good answers per second divided by
 * {@code min(offered rate, capacity)}. At 3 × capacity a perfect server answers a third of the offers in time and
 * reaches 100 %. Admitted latencies are those of the 200 answers, from their scheduled arrival.
 */
final class OpenLoopSummary {

	static final String RESULT_PREFIX = "OPENLOOP";

	private final String label;

	private final double ratePerSecond;

	private final double seconds;

	private final double capacityPerSecond;

	private final long[] counts;

	private final double[] sortedAdmittedMillis;

	private OpenLoopSummary(String label, double ratePerSecond, double seconds, double capacityPerSecond,
			long[] counts, double[] sortedAdmittedMillis) {
		this.label = label;
		this.ratePerSecond = ratePerSecond;
		this.seconds = seconds;
		this.capacityPerSecond = capacityPerSecond;
		this.counts = counts;
		this.sortedAdmittedMillis = sortedAdmittedMillis;
	}

	/**
	 * Summarises a phase.
	 * @param label the phase's name (no tabs)
	 * @param ratePerSecond the mean arrival rate the phase was scheduled at
	 * @param seconds the phase's scheduled length
	 * @param capacityPerSecond what the server can serve per second, positive
	 * @param outcomes one {@link Outcome} ordinal per offered request; a request still pending counts as a timeout
	 * @param latencyNanos one latency per request from its scheduled arrival, same order
	 */
	static OpenLoopSummary of(String label, double ratePerSecond, double seconds, double capacityPerSecond,
			int[] outcomes, long[] latencyNanos) {
		if (!(capacityPerSecond > 0)) {
			throw new IllegalArgumentException("capacityPerSecond must be > 0 (was " + capacityPerSecond + ")");
		}
		long[] counts = new long[Outcome.VALUES.length];
		double[] admitted = new double[outcomes.length];
		int admittedCount = 0;
		for (int i = 0; i < outcomes.length; i++) {
			Outcome outcome = Outcome.VALUES[outcomes[i]];
			if (outcome == Outcome.PENDING) {
				outcome = Outcome.TIMEOUT;
			}
			counts[outcome.ordinal()]++;
			if (outcome == Outcome.GOOD || outcome == Outcome.LATE) {
				admitted[admittedCount++] = latencyNanos[i] / 1e6;
			}
		}
		double[] sorted = Arrays.copyOf(admitted, admittedCount);
		Arrays.sort(sorted);
		return new OpenLoopSummary(label, ratePerSecond, seconds, capacityPerSecond, counts, sorted);
	}

	long offered() {
		return Arrays.stream(this.counts).sum();
	}

	long count(Outcome outcome) {
		return this.counts[outcome.ordinal()];
	}

	/** Good answers per second over the phase's scheduled length. */
	double goodPerSecond() {
		return (this.seconds > 0) ? count(Outcome.GOOD) / this.seconds : 0;
	}

	/** Good answers per second as a fraction of {@code min(offered rate, capacity)}. */
	double goodput() {
		double servable = Math.min(offered() / this.seconds, this.capacityPerSecond);
		return (servable > 0) ? goodPerSecond() / servable : 0;
	}

	/** Rejected answers (429, 503) as a fraction of the offered requests. */
	double rejectedFraction() {
		long offered = offered();
		return (offered > 0) ? (double) count(Outcome.REJECTED) / offered : 0;
	}

	/** The nearest-rank percentile of the admitted latencies in milliseconds; NaN without any. */
	double admittedMillis(double p) {
		return Percentiles.nearestRank(this.sortedAdmittedMillis, p);
	}

	/**
	 * {@code OPENLOOP label rate seconds offered good late shed timeout error overflow goodput% shed% p50ms p99ms},
	 * tab-separated, numbers with a dot as decimal separator whatever the locale.
	 */
	String resultLine() {
		return String.join("\t", RESULT_PREFIX, this.label, format("%.1f", this.ratePerSecond),
				format("%.1f", this.seconds), Long.toString(offered()), Long.toString(count(Outcome.GOOD)),
				Long.toString(count(Outcome.LATE)), Long.toString(count(Outcome.REJECTED)),
				Long.toString(count(Outcome.TIMEOUT)), Long.toString(count(Outcome.ERROR)),
				Long.toString(count(Outcome.OVERFLOW)), format("%.1f", 100 * goodput()),
				format("%.1f", 100 * rejectedFraction()), millis(admittedMillis(0.5)), millis(admittedMillis(0.99)));
	}

	private static String millis(double value) {
		return Double.isNaN(value) ? "-" : format("%.1f", value);
	}

	private static String format(String pattern, double value) {
		return String.format(Locale.ROOT, pattern, value);
	}

	/** How one offered request ended. */
	enum Outcome {

		/** Not finished (yet); counted as a timeout when the phase ends. */
		PENDING,

		/** A 200 within the deadline. */
		GOOD,

		/** A 200 after the deadline. */
		LATE,

		/** A 503 or 429. */
		REJECTED,

		/** No answer within the deadline. */
		TIMEOUT,

		/** Another status, or a transport failure. */
		ERROR,

		/** Not sent: too many requests were outstanding. */
		OVERFLOW;

		static final Outcome[] VALUES = values();

	}

}
