package dev.limiter.benchmarks.overload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.Function;

import dev.limiter.core.ManualClock;
import dev.limiter.core.Promise;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.breaker.BreakerOpenException;

/**
 * Breaker scenario: a dependency called at 200 requests/s (Poisson, 10 ms per call) fails every call from 5 s to
 * 15 s, then heals; the run ends at 25 s. Reports, for each breaker, when throttling started after the outage
 * began, the share of attempts that still reached the dependency from 2 s into the outage until it healed, and how
 * long after healing at least 95 % of the attempts of every following second flowed again.
 *
 * <p>The dependency is simulated, so the scenario runs in simulated time on a {@link ManualClock} (a discrete-event
 * simulation, seeded): it takes well under a second, is exactly reproducible and does not suffer from the noise of
 * a shared machine. Run it alone with
 * <pre>
 * java -cp limiter-benchmarks/target/benchmarks.jar dev.limiter.benchmarks.overload.BreakerScenario
 * </pre>
 * ({@code --out=DIR}, default {@code limiter-benchmarks/target/overload}; {@code --seed=N}); {@link OverloadHarness}
 * runs it too.
 */
public final class BreakerScenario {

	static final double RATE = 200;

	static final long CALL_NANOS = 10_000_000L;

	static final long OUTAGE_START = 5_000_000_000L;

	static final long OUTAGE_END = 15_000_000_000L;

	static final long END = 25_000_000_000L;

	private static final long BIN = 100_000_000L;

	private static final int BINS = (int) (END / BIN);

	private static final List<Path> PLOTS = new ArrayList<>();

	private BreakerScenario() {
	}

	/** A breaker under test, built on the scenario's clock. */
	record Subject(String name, String settings, Function<ManualClock, Breaker> factory) {
	}

	/** The outcome for one breaker. */
	record Outcome(Subject subject, double throttleStartSeconds, double reachedAfterTwoSeconds,
			double recoverySeconds, double[] reachedPercent) {
	}

	public static void main(String[] args) throws IOException {
		System.setProperty("java.awt.headless", "true");
		Path out = Path.of("limiter-benchmarks/target/overload");
		long seed = 42;
		for (String arg : args) {
			if (arg.startsWith("--out=")) {
				out = Path.of(arg.substring(6));
			}
			else if (arg.startsWith("--seed=")) {
				seed = Long.parseLong(arg.substring(7));
			}
			else {
				throw new IllegalArgumentException("options are --out=DIR and --seed=N (was " + arg + ")");
			}
		}
		Files.createDirectories(out);
		String table = runAll(out, seed);
		Path file = out.resolve("breaker.md");
		Files.writeString(file, table);
		System.out.println(table);
		System.out.println("Table: " + file.toAbsolutePath());
		for (Path plot : PLOTS) {
			System.out.println("Plot: " + plot.toAbsolutePath());
		}
	}

	/** Runs every subject, writes the plot into {@code out} and returns the markdown table. */
	static String runAll(Path out, long seed) throws IOException {
		List<Outcome> outcomes = new ArrayList<>();
		for (Subject subject : Protections.breakers(seed)) {
			outcomes.add(run(subject, seed));
		}
		StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "# Breaker scenario%n%nA dependency called "
				+ "at %.0f req/s (Poisson, %d ms per call) fails every call from %.0f s to %.0f s, then heals; "
				+ "simulated time, seed %d. Targets (SreBreaker): throttling starts <= 1 s into the outage, <= 5 %% of "
				+ "attempts reach the dependency after 2 s, >= 95 %% of traffic flows again <= 3 s after it heals.%n%n"
				+ "| breaker | settings | throttling starts after | reaching the dependency, 2 s into the outage "
				+ "until it heals | >= 95 %% flowing again after healing |%n|---|---|---:|---:|---:|%n", RATE,
				CALL_NANOS / 1_000_000, OUTAGE_START / 1e9, OUTAGE_END / 1e9, seed));
		for (Outcome outcome : outcomes) {
			table.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f %% | %s |%n", outcome.subject().name(),
					outcome.subject().settings(), seconds(outcome.throttleStartSeconds()),
					100 * outcome.reachedAfterTwoSeconds(), seconds(outcome.recoverySeconds())));
		}
		Map<String, double[][]> series = new LinkedHashMap<>();
		double[] time = new double[BINS];
		for (int b = 0; b < BINS; b++) {
			time[b] = (b + 0.5) * BIN / 1e9;
		}
		for (Outcome outcome : outcomes) {
			series.put(outcome.subject().name(), new double[][] { time, outcome.reachedPercent() });
		}
		PLOTS.clear();
		PLOTS.add(Charts.line(out, "breaker-reached", "Attempts reaching the dependency (100 ms bins); outage "
				+ OUTAGE_START / 1_000_000_000 + "-" + OUTAGE_END / 1_000_000_000 + " s", "time (s)",
				"reaching the dependency (%)", false, false, series, false));
		return table.toString();
	}

	static List<Path> lastPlots() {
		return List.copyOf(PLOTS);
	}

	private static String seconds(double value) {
		return Double.isNaN(value) ? "never" : String.format(Locale.ROOT, "%.2f s", value);
	}

	/** One pending call: when it completes and how. */
	private record Completion(long at, Promise promise, boolean success) {
	}

	static Outcome run(Subject subject, long seed) {
		ManualClock clock = new ManualClock();
		Breaker breaker = subject.factory().apply(clock);
		SplittableRandom random = new SplittableRandom(seed);
		PriorityQueue<Completion> pending = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
		int[] attempts = new int[BINS];
		int[] reached = new int[BINS];
		long firstDrop = -1;
		long now = 0;
		long next = gap(random);
		while (next < END) {
			while (!pending.isEmpty() && pending.peek().at() <= next) {
				Completion done = pending.poll();
				clock.advanceNanos(done.at() - now);
				now = done.at();
				if (done.success()) {
					done.promise().accept();
				}
				else {
					done.promise().reject("dependency down");
				}
			}
			clock.advanceNanos(next - now);
			now = next;
			int bin = (int) (now / BIN);
			attempts[bin]++;
			try {
				Promise promise = breaker.allow();
				reached[bin]++;
				boolean down = now >= OUTAGE_START && now < OUTAGE_END;
				pending.add(new Completion(now + CALL_NANOS, promise, !down));
			}
			catch (BreakerOpenException ex) {
				if (firstDrop < 0 && now >= OUTAGE_START) {
					firstDrop = now;
				}
			}
			next += gap(random);
		}
		double[] percent = new double[BINS];
		for (int b = 0; b < BINS; b++) {
			percent[b] = (attempts[b] == 0) ? Double.NaN : 100.0 * reached[b] / attempts[b];
		}
		int fromBin = (int) ((OUTAGE_START + 2_000_000_000L) / BIN);
		int toBin = (int) (OUTAGE_END / BIN);
		long attemptsLate = 0;
		long reachedLate = 0;
		for (int b = fromBin; b < toBin; b++) {
			attemptsLate += attempts[b];
			reachedLate += reached[b];
		}
		double recovery = Double.NaN;
		int healBin = (int) (OUTAGE_END / BIN);
		for (int b = healBin; b + 10 <= BINS && Double.isNaN(recovery); b++) {
			boolean flowing = true;
			for (int start = b; start + 10 <= BINS && flowing; start++) {
				long a = 0;
				long r = 0;
				for (int k = start; k < start + 10; k++) {
					a += attempts[k];
					r += reached[k];
				}
				flowing = r >= 0.95 * a;
			}
			if (flowing) {
				recovery = (b - healBin) * BIN / 1e9;
			}
		}
		return new Outcome(subject, (firstDrop < 0) ? Double.NaN : (firstDrop - OUTAGE_START) / 1e9,
				(double) reachedLate / attemptsLate, recovery, percent);
	}

	private static long gap(SplittableRandom random) {
		return Math.max(1, (long) (-Math.log(1 - random.nextDouble()) * 1e9 / RATE));
	}

	static Duration ms(long millis) {
		return Duration.ofMillis(millis);
	}

}
