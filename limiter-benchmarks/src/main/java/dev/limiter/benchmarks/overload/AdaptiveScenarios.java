package dev.limiter.benchmarks.overload;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The adaptive limiters' own scenarios, on the sleep backend: convergence after a step from 0.5x to 3x, recovery
 * once it ends, the limit's drift over 10 overload cycles, and a backend whose capacity halves mid-run (its workers
 * go from 16 to 8 while 2x the original capacity is offered). Run for every selected protection that has a limit.
 */
final class AdaptiveScenarios {

	private static final int CYCLES = 10;

	private static final double CYCLE_OVERLOAD_SECONDS = 3;

	private static final double CYCLE_REST_SECONDS = 2;

	private static final double HALVE_AT_SECONDS = 8;

	private static final double HALVED_SECONDS = 12;

	private AdaptiveScenarios() {
	}

	static String run(SimulatedBackend.Kind kind, OverloadHarness.Calibration calibration, List<String> keys,
			boolean all, long seed, Path out, List<Path> plots) throws InterruptedException, IOException {
		StringBuilder table = new StringBuilder("### Adaptive scenarios\n\n"
				+ "Step: 5 s at 0.5x, 10 s at 3x, 5 s at 0.5x; settle = time until every 100 ms bin of a whole second "
				+ "had its admitted p99 within the bound; limit converged = time until the limit's 1 s mean stayed "
				+ "within +-20 % of its mean over the step's last 5 s; recovery = settle and <= 1 % rejected. Drift: "
				+ CYCLES + " cycles of " + (int) CYCLE_REST_SECONDS + " s at 0.5x and " + (int) CYCLE_OVERLOAD_SECONDS
				+ " s at 3x; the limit's mean over the last second of each overload, relative to the first cycle's "
				+ "(worst), and the mean of the last 3 cycles against the first 3 (trend). "
				+ "Halving: 2x the original capacity offered; at " + (int) HALVE_AT_SECONDS + " s the workers go from "
				+ Protections.SLEEP_WORKERS + " to " + Protections.SLEEP_WORKERS / 2 + " (capacity halves); followed = "
				+ "time until the limit is at most 2 x the new true concurrency, and stays there for 1 s; goodput of "
				+ "the new capacity over the last 6 s.\n\n"
				+ "| protection | settle 0.5x->3x s | limit converged s | recovery s | goodput 3x | limit drift over "
				+ "10 cycles: worst / last 3 vs first 3 | limits per cycle | limit before / after halving | "
				+ "followed in s | goodput after halving | load avg |\n"
				+ "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|\n");
		Map<String, double[][]> halving = new LinkedHashMap<>();
		Map<String, double[][]> cycling = new LinkedHashMap<>();
		Map<String, double[][]> stepping = new LinkedHashMap<>();
		StringBuilder stepSeries = new StringBuilder();
		for (OverloadHarness.Protection protection : Protections.forBackend(kind)) {
			if (!List.of("ours", "gradient2", "vegas").contains(protection.key())
					|| (!all && !keys.contains(protection.key()))) {
				continue;
			}
			double capacity = calibration.capacity();
			List<LoadGenerator.Phase> step = List.of(phase("0.5x", 0.5, capacity, 5), phase("3x", 3, capacity, 10),
					phase("0.5x after", 0.5, capacity, 5));
			OverloadHarness.Run stepRun = OverloadHarness.runPhases(kind, protection, calibration, step, seed, -1, 0);

			List<LoadGenerator.Phase> cycles = new ArrayList<>();
			for (int c = 0; c < CYCLES; c++) {
				cycles.add(phase("0.5x #" + c, 0.5, capacity, CYCLE_REST_SECONDS));
				cycles.add(phase("3x #" + c, 3, capacity, CYCLE_OVERLOAD_SECONDS));
			}
			cycles.add(phase("0.5x after", 0.5, capacity, CYCLE_REST_SECONDS));
			OverloadHarness.Run cycleRun = OverloadHarness.runPhases(kind, protection, calibration, cycles, seed, -1,
					0);
			double period = CYCLE_OVERLOAD_SECONDS + CYCLE_REST_SECONDS;
			double[] perCycle = new double[CYCLES];
			double worst = 0;
			StringBuilder limits = new StringBuilder();
			for (int c = 0; c < CYCLES; c++) {
				double overloadEnd = c * period + CYCLE_REST_SECONDS + CYCLE_OVERLOAD_SECONDS;
				perCycle[c] = cycleRun.meanLimit(overloadEnd - 1, overloadEnd);
				double drift = perCycle[c] / perCycle[0] - 1;
				worst = (Math.abs(drift) > Math.abs(worst)) ? drift : worst;
				limits.append(String.format(Locale.ROOT, "%s%.0f", (c == 0) ? "" : " ", perCycle[c]));
			}
			double trend = (perCycle[CYCLES - 1] + perCycle[CYCLES - 2] + perCycle[CYCLES - 3])
					/ (perCycle[0] + perCycle[1] + perCycle[2]) - 1;
			double converged = converged(stepRun, 5, 15);

			List<LoadGenerator.Phase> halve = List.of(phase("2x", 2, capacity, HALVE_AT_SECONDS),
					phase("2x halved", 2, capacity, HALVED_SECONDS));
			OverloadHarness.Run halveRun = OverloadHarness.runPhases(kind, protection, calibration, halve, seed,
					(long) (HALVE_AT_SECONDS * 1e9), Protections.SLEEP_WORKERS / 2);
			double followed = followed(halveRun, HALVE_AT_SECONDS, 2.0 * Protections.SLEEP_WORKERS / 2);
			double after = goodputOfHalved(halveRun, calibration);

			table.append(String.format(Locale.ROOT,
					"| %s | %s | %s | %s | %.0f %% | %+.0f %% / %+.0f %% | %s | %.1f / %.1f | %s | %.0f %% | %s |%n",
					protection.name(), OverloadHarness.seconds(stepRun.steps().get(1).settleSeconds()),
					OverloadHarness.seconds(converged),
					OverloadHarness.seconds(stepRun.steps().get(2).settleSeconds()),
					100 * stepRun.steps().get(1).goodputOfCapacity(), 100 * worst, 100 * trend, limits,
					halveRun.meanLimit(HALVE_AT_SECONDS - 3, HALVE_AT_SECONDS),
					halveRun.meanLimit(HALVE_AT_SECONDS + HALVED_SECONDS - 6, HALVE_AT_SECONDS + HALVED_SECONDS),
					Double.isNaN(followed) ? "never" : String.format(Locale.ROOT, "%.1f", followed), 100 * after,
					OverloadHarness.loadAverage()));
			halving.put(protection.name(), new double[][] { halveRun.limitSeconds(), halveRun.limits() });
			cycling.put(protection.name(), new double[][] { cycleRun.limitSeconds(), cycleRun.limits() });
			stepping.put(protection.name(), new double[][] { stepRun.limitSeconds(), stepRun.limits() });
			stepSeries.append(stepSeries(protection.name(), stepRun));
			System.out.printf(Locale.ROOT, "%nscenarios / %s done%n", protection.name());
		}
		if (!halving.isEmpty()) {
			double end = HALVE_AT_SECONDS + HALVED_SECONDS;
			halving.put("true concurrency", new double[][] { { 0, HALVE_AT_SECONDS, HALVE_AT_SECONDS, end },
					{ Protections.SLEEP_WORKERS, Protections.SLEEP_WORKERS, Protections.SLEEP_WORKERS / 2,
							Protections.SLEEP_WORKERS / 2 } });
			plots.add(Charts.line(out, "sleep-limit-halving",
					"Limit when the backend's capacity halves at " + (int) HALVE_AT_SECONDS + " s (2x offered)",
					"time (s)", "limit (calls in flight)", false, true, halving, false));
			stepping.put("true concurrency", new double[][] { { 0, 20 },
					{ Protections.SLEEP_WORKERS, Protections.SLEEP_WORKERS } });
			plots.add(Charts.line(out, "sleep-limit-step", "Limit in the step scenario (5 s 0.5x, 10 s 3x, 5 s 0.5x)",
					"time (s)", "limit (calls in flight)", false, false, stepping, false));
			plots.add(Charts.line(out, "sleep-limit-cycles",
					"Limit over " + CYCLES + " overload cycles (2 s at 0.5x, 3 s at 3x)", "time (s)",
					"limit (calls in flight)", false, true, cycling, false));
		}
		String result = table.append('\n').append(stepSeries).toString();
		System.out.print(result);
		return result;
	}

	/** The step run's limit (min / mean) and goodput of capacity, per second, so that a dip can be seen. */
	private static String stepSeries(String name, OverloadHarness.Run run) {
		StringBuilder line = new StringBuilder("Step scenario, ").append(name)
			.append(", per second (limit min / mean, goodput of capacity):");
		RunAnalysis.Series series = run.series();
		for (int second = 0; second < 20; second++) {
			double min = Double.NaN;
			for (int i = 0; i < run.limits().length; i++) {
				if (run.limitSeconds()[i] >= second && run.limitSeconds()[i] < second + 1) {
					min = Double.isNaN(min) ? run.limits()[i] : Math.min(min, run.limits()[i]);
				}
			}
			double goodput = 0;
			int bins = 0;
			for (int i = 0; i < series.seconds().length; i++) {
				if (series.seconds()[i] >= second && series.seconds()[i] < second + 1) {
					goodput += series.goodputOfCapacity()[i];
					bins++;
				}
			}
			line.append(String.format(Locale.ROOT, " %d s %.0f/%.1f %.0f %%;", second, min,
					run.meanLimit(second, second + 1), (bins == 0) ? Double.NaN : 100 * goodput / bins));
		}
		return line.append("\n\n").toString();
	}

	private static LoadGenerator.Phase phase(String label, double multiple, double capacity, double seconds) {
		return new LoadGenerator.Phase(label, multiple, multiple * capacity, (long) (seconds * 1e9));
	}

	/**
	 * Seconds after {@code from} until the limit's mean over the trailing second stays within +-20 % of its mean over
	 * the last 5 s before {@code to} for the rest of the phase; NaN if it never does.
	 */
	private static double converged(OverloadHarness.Run run, double from, double to) {
		double settled = run.meanLimit(to - 5, to);
		double since = from;
		for (double t = from + 0.1; t < to; t += 0.1) {
			double mean = run.meanLimit(Math.max(from, t - 1), t);
			if (!Double.isNaN(mean) && Math.abs(mean / settled - 1) > 0.2) {
				since = t;
			}
		}
		return (since >= to - 5) ? Double.NaN : since - from;
	}

	/** Seconds after {@code at} until the limit is at most {@code target} and stays so for 1 s; NaN if never. */
	private static double followed(OverloadHarness.Run run, double at, double target) {
		double[] seconds = run.limitSeconds();
		double[] limits = run.limits();
		double since = Double.NaN;
		for (int i = 0; i < seconds.length; i++) {
			if (seconds[i] < at) {
				continue;
			}
			if (limits[i] <= target) {
				if (Double.isNaN(since)) {
					since = seconds[i];
				}
				if (seconds[i] - since >= 1) {
					return since - at;
				}
			}
			else {
				since = Double.NaN;
			}
		}
		return Double.NaN;
	}

	/** Goodput over the last 6 s of the halved phase, as a fraction of the halved capacity. */
	private static double goodputOfHalved(OverloadHarness.Run run, OverloadHarness.Calibration calibration) {
		RunAnalysis.Series series = run.series();
		double end = HALVE_AT_SECONDS + HALVED_SECONDS;
		double sum = 0;
		int bins = 0;
		for (int i = 0; i < series.seconds().length; i++) {
			if (series.seconds()[i] >= end - 6 && series.seconds()[i] < end) {
				sum += series.goodputOfCapacity()[i];
				bins++;
			}
		}
		return (bins == 0) ? Double.NaN : 2 * sum / bins;
	}

}
