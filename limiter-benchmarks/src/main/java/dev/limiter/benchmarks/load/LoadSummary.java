package dev.limiter.benchmarks.load;

import java.util.Arrays;
import java.util.Locale;

import dev.limiter.benchmarks.Percentiles;

/**
 * What one load run saw: requests by status (200, 429, 503, anything else including transport errors), throughput
 * and latency percentiles. Immutable; {@link #resultLine()} is the one-line, tab-separated form that
 * {@code scripts/load.sh} reads.
 */
final class LoadSummary {

	static final String RESULT_PREFIX = "RESULT";

	private final String label;

	private final long ok;

	private final long tooManyRequests;

	private final long unavailable;

	private final long other;

	private final double elapsedSeconds;

	private final double[] sortedLatencyMillis;

	private LoadSummary(String label, long ok, long tooManyRequests, long unavailable, long other,
			double elapsedSeconds, double[] sortedLatencyMillis) {
		this.label = label;
		this.ok = ok;
		this.tooManyRequests = tooManyRequests;
		this.unavailable = unavailable;
		this.other = other;
		this.elapsedSeconds = elapsedSeconds;
		this.sortedLatencyMillis = sortedLatencyMillis;
	}

	/**
	 * Summarises a run.
	 * @param label the scenario's name (no tabs)
	 * @param statuses one HTTP status per request, {@code 0} for a transport error (refused, timed out)
	 * @param latencyNanos one latency per request, same order as {@code statuses}
	 * @param count how many leading entries of both arrays are filled
	 * @param elapsedNanos the run's wall-clock time; a run that took no time has a throughput of 0
	 */
	static LoadSummary of(String label, int[] statuses, long[] latencyNanos, int count, long elapsedNanos) {
		if (count < 0 || count > statuses.length || count > latencyNanos.length) {
			throw new IllegalArgumentException("count must be between 0 and the arrays' length (was " + count + ")");
		}
		long ok = 0;
		long tooMany = 0;
		long unavailable = 0;
		long other = 0;
		double[] millis = new double[count];
		for (int i = 0; i < count; i++) {
			switch (statuses[i]) {
				case 200 -> ok++;
				case 429 -> tooMany++;
				case 503 -> unavailable++;
				default -> other++;
			}
			millis[i] = latencyNanos[i] / 1e6;
		}
		Arrays.sort(millis);
		return new LoadSummary(label, ok, tooMany, unavailable, other, Math.max(0, elapsedNanos) / 1e9, millis);
	}

	long requests() {
		return this.ok + this.tooManyRequests + this.unavailable + this.other;
	}

	long ok() {
		return this.ok;
	}

	long tooManyRequests() {
		return this.tooManyRequests;
	}

	long unavailable() {
		return this.unavailable;
	}

	long other() {
		return this.other;
	}

	/** Requests per second over the run; 0 when the run took no time. */
	double requestsPerSecond() {
		return (this.elapsedSeconds > 0) ? requests() / this.elapsedSeconds : 0;
	}

	/** The nearest-rank percentile of the latencies in milliseconds ({@code p} in (0, 1]); NaN without requests. */
	double latencyMillis(double p) {
		return Percentiles.nearestRank(this.sortedLatencyMillis, p);
	}

	/**
	 * {@code RESULT label requests 200 429 503 other rps p50ms p99ms}, tab-separated, numbers with a dot as decimal
	 * separator whatever the locale.
	 */
	String resultLine() {
		return String.join("\t", RESULT_PREFIX, this.label, Long.toString(requests()), Long.toString(this.ok),
				Long.toString(this.tooManyRequests), Long.toString(this.unavailable), Long.toString(this.other),
				String.format(Locale.ROOT, "%.1f", requestsPerSecond()), millis(latencyMillis(0.5)),
				millis(latencyMillis(0.99)));
	}

	private static String millis(double value) {
		return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
	}

}
