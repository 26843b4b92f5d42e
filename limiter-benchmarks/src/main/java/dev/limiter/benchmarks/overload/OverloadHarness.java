package dev.limiter.benchmarks.overload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import dev.limiter.core.LimiterException;
import dev.limiter.core.Promise;
import dev.limiter.core.shedding.CpuUsage;
import dev.limiter.core.shedding.Shedder;

/**
 * Overload harness: drives a simulated backend of known capacity with open-loop Poisson arrivals stepping through
 * 0.5x, 1x, 3x and 10x its capacity, then back to 0.5x, with and without protection, and reports per step the
 * goodput (responses within 2 x the unloaded p99, as a fraction of capacity), the admitted p50 / p99, the rejection
 * rate and how long latency took to settle after a step up or to recover once the overload ended. It then runs
 * {@link BreakerScenario} (a dependency down for 10 s).
 *
 * <p>Backends ({@link SimulatedBackend}): {@code sleep}, 16 workers with a lognormal service time (median 20 ms,
 * sigma 0.5, mean 22.7 ms: capacity 706 requests/s) that leave the CPU idle; {@code cpu}, 8 workers burning a
 * lognormal amount of CPU time (median 10 ms), whose capacity is measured at start-up and again before each
 * protection's run, because the cores are shared.
 * Protections: none; {@code ConcurrencyLimiter} capped by hand at 2 x workers (sleep) or 2 x cores (cpu); the
 * {@code AdaptiveShedder} with its defaults driven by this process's CPU ({@code CpuUsage.shared()}); and a second
 * {@code AdaptiveShedder} fed another load signal as its "CPU", because a CPU-driven shedder never acts while the
 * process's CPU stays low: on the sleep backend the workers' utilisation (the real bottleneck), on the cpu backend
 * the whole host's CPU from {@code /proc/stat} (on a shared machine, neighbours take the cores while this process's
 * own share, which is what {@code CpuUsage} measures without a cgroup quota, stays far below the threshold). Both
 * signals are sampled every 100 / 250 ms and smoothed ({@link SampledSignal}).
 *
 * <p>Run, from the repository root:
 * <pre>
 * ./mvnw -q -B -ntp -pl limiter-benchmarks -am package -DskipTests &amp;&amp; \
 *   java -cp limiter-benchmarks/target/benchmarks.jar dev.limiter.benchmarks.overload.OverloadHarness
 * </pre>
 * Options: {@code --step-seconds=N} (default 20: the 0.5x to 10x steps of every protection, both backends and the
 * adaptive scenarios take about 35 minutes on 2 cores), {@code --only=sleep|cpu}, {@code --protections=ours,cap,...}
 * (keys: ours, gradient2, vegas, cpu, utilisation, host, cap (every hand-tuned cap), cap:N, none; default ours, cap,
 * gradient2, vegas, cpu, none), {@code --scenarios=false}, {@code --breakers=true}, {@code --out=DIR} (default
 * {@code limiter-benchmarks/target/overload}), {@code --seed=N}. It writes {@code overload.md} (and
 * {@code breaker.md}) and PNG plots there and prints the tables.
 */
public final class OverloadHarness {

	private static final double[] MULTIPLES = { 0.5, 1, 3, 10 };

	private static final double LATENCY_BOUND_FACTOR = 2.0;

	private static final Promise NO_OP = new Promise() {

		@Override
		public void accept() {
		}

		@Override
		public void reject(String reason) {
		}

	};

	private OverloadHarness() {
	}

	/** A protection under test, built afresh for each run. */
	record Protection(String key, String name, Function<SimulatedBackend, Protections.Guarded> factory) {
	}

	/** The calibrated backend: capacity and the latency bound of "good" responses. */
	record Calibration(double nominalCapacity, double capacity, double unloadedP50Millis, double unloadedP99Millis) {

		double boundMillis() {
			return LATENCY_BOUND_FACTOR * this.unloadedP99Millis;
		}

	}

	/** One run's outcome. */
	record Run(String backend, String protection, List<RunAnalysis.Step> steps, RunAnalysis.Series series,
			int droppedAtEnd, double[] cpuPerStep, double[] limitSeconds, double[] limits, String loadAverage,
			double capacity) {

		/** Mean limit sampled in [from, to) seconds; NaN without a limit. */
		double meanLimit(double from, double to) {
			return java.util.stream.IntStream.range(0, this.limits.length)
				.filter((i) -> this.limitSeconds[i] >= from && this.limitSeconds[i] < to)
				.mapToDouble((i) -> this.limits[i])
				.average()
				.orElse(Double.NaN);
		}

	}

	public static void main(String[] args) throws Exception {
		System.setProperty("java.awt.headless", "true");
		Map<String, String> options = options(args);
		double stepSeconds = Double.parseDouble(options.getOrDefault("step-seconds", "20"));
		String only = options.getOrDefault("only", "all");
		String selected = options.getOrDefault("protections", String.join(",", Protections.DEFAULT));
		List<String> keys = List.of(selected.split(","));
		boolean scenarios = Boolean.parseBoolean(options.getOrDefault("scenarios", "true"));
		boolean breakers = Boolean.parseBoolean(options.getOrDefault("breakers", "false"));
		long seed = Long.parseLong(options.getOrDefault("seed", "42"));
		Path out = Path.of(options.getOrDefault("out", "limiter-benchmarks/target/overload"));
		Files.createDirectories(out);
		long started = System.nanoTime();
		CpuUsage.shared(); // start sampling now: its moving average needs a few seconds

		StringBuilder markdown = new StringBuilder("# Overload harness\n\n");
		markdown.append(String.format(Locale.ROOT, "Steps of %.0f s at 0.5x, 1x, 3x, 10x capacity, then %.0f s back at "
				+ "0.5x (recovery). Goodput = responses within 2 x the unloaded p99, per second, as a fraction of "
				+ "capacity. Latencies from the scheduled (open-loop) arrival; requests still queued at the end count "
				+ "as unfinished (infinite latency). Settle = time after the step began until every 100 ms bin of a "
				+ "whole second had its admitted p99 within the bound (recovery: and <= 1 %% rejected); `never` = not "
				+ "within the step. Load signal = mean during the step of what the shedder was fed as CPU (for the "
				+ "others: `CpuUsage.shared()`, this process's CPU, smoothed). "
				+ "Cores: %d. Seed %d.%n%n", stepSeconds, recoverySeconds(stepSeconds),
				Runtime.getRuntime().availableProcessors(), seed));
		List<Path> plots = new ArrayList<>();
		for (SimulatedBackend.Kind kind : SimulatedBackend.Kind.values()) {
			if (!only.equals("all") && !only.equalsIgnoreCase(kind.name())) {
				continue;
			}
			Calibration calibration = calibrate(kind, seed);
			markdown.append(String.format(Locale.ROOT,
					"## Backend `%s`: capacity %.0f req/s (nominal %.0f), unloaded p50 %.1f ms, p99 %.1f ms, "
							+ "good = within %.1f ms%n%n",
					kind.name().toLowerCase(Locale.ROOT), calibration.capacity(), calibration.nominalCapacity(),
					calibration.unloadedP50Millis(), calibration.unloadedP99Millis(), calibration.boundMillis()));
			List<Run> runs = new ArrayList<>();
			for (Protection protection : Protections.forBackend(kind)) {
				if (!selected.equals("all") && !Protections.selected(protection, keys)) {
					continue;
				}
				Calibration own = recalibrate(kind, calibration);
				Run run = run(kind, protection, own, stepSeconds, seed);
				runs.add(run);
				String table = table(run) + targets(run, calibration);
				System.out.printf(Locale.ROOT, "%n%s / %s%n%s", kind.name().toLowerCase(Locale.ROOT), protection.name(),
						table);
				markdown.append("### ").append(protection.name()).append("\n\n").append(table);
				if (run.droppedAtEnd() > 0) {
					markdown.append(String.format(Locale.ROOT,
							"%n%d requests were still queued when the run ended.%n", run.droppedAtEnd()));
				}
				markdown.append('\n');
			}
			plots.addAll(plot(out, kind, runs, calibration));
			markdown.append(summary(runs, stepSeconds, calibration));
			if (scenarios && kind == SimulatedBackend.Kind.SLEEP) {
				markdown.append(AdaptiveScenarios.run(kind, calibration, keys, selected.equals("all"), seed, out,
						plots));
			}
		}
		Path overload = out.resolve("overload.md");
		Files.writeString(overload, markdown);

		System.out.printf(Locale.ROOT, "Tables: %s%n", overload.toAbsolutePath());
		if (breakers) {
			String breaker = BreakerScenario.runAll(out, seed);
			plots.addAll(BreakerScenario.lastPlots());
			Path breakerFile = out.resolve("breaker.md");
			Files.writeString(breakerFile, breaker);
			System.out.printf(Locale.ROOT, "%n%s%nTables: %s%n", breaker, breakerFile.toAbsolutePath());
		}
		for (Path plot : plots) {
			System.out.printf(Locale.ROOT, "Plot: %s%n", plot.toAbsolutePath());
		}
		System.out.printf(Locale.ROOT, "Total time %.0f s%n", (System.nanoTime() - started) / 1e9);
	}

	static double recoverySeconds(double stepSeconds) {
		return Math.min(stepSeconds, 5);
	}

	/**
	 * Capacity (nominal, and for the CPU backend measured by saturating it for 2 s) and the unloaded latency (3 s at
	 * 0.2 x capacity, unprotected).
	 */
	private static Calibration calibrate(SimulatedBackend.Kind kind, long seed) throws InterruptedException {
		SimulatedBackend backend = Protections.backend(kind);
		double nominal = ((kind == SimulatedBackend.Kind.SLEEP) ? backend.workers()
				: Runtime.getRuntime().availableProcessors()) / backend.meanServiceSeconds();
		double capacity = nominal;
		if (kind == SimulatedBackend.Kind.CPU) {
			capacity = saturate(backend, 2_000_000_000L);
		}
		LoadGenerator.Phase unloaded = new LoadGenerator.Phase("unloaded", 0.2, 0.2 * capacity, 3_000_000_000L);
		RequestLog log = new RequestLog((int) (capacity * 3) + 1000);
		long start = System.nanoTime() + 50_000_000L;
		new LoadGenerator(seed).run(List.of(unloaded), start, (arrival) -> {
			int request = log.arrive(arrival);
			backend.submit(() -> log.complete(request, System.nanoTime()));
		});
		Thread.sleep(500);
		backend.shutdown();
		RunAnalysis analysis = new RunAnalysis(log, start, start + unloaded.durationNanos(), Double.MAX_VALUE,
				capacity);
		RunAnalysis.Step step = analysis.steps(List.of(unloaded), false).get(0);
		return new Calibration(nominal, capacity, step.p50Millis(), step.p99Millis());
	}

	/**
	 * The cpu backend's capacity measured again (2 s, saturated) just before a run, so that each protection's
	 * goodput and offered load are relative to the cores it actually had: on a shared machine, neighbours change
	 * that from minute to minute. The latency bound stays the first calibration's. The sleep backend's capacity
	 * does not depend on the cores and is kept.
	 */
	private static Calibration recalibrate(SimulatedBackend.Kind kind, Calibration calibration)
			throws InterruptedException {
		if (kind != SimulatedBackend.Kind.CPU) {
			return calibration;
		}
		SimulatedBackend backend = Protections.backend(kind);
		double capacity = saturate(backend, 2_000_000_000L);
		backend.shutdown();
		return new Calibration(calibration.nominalCapacity(), capacity, calibration.unloadedP50Millis(),
				calibration.unloadedP99Millis());
	}

	/** Closed loop: every worker serves back-to-back requests; returns the requests served per second. */
	private static double saturate(SimulatedBackend backend, long nanos) throws InterruptedException {
		int workers = backend.workers();
		long[] served = new long[workers];
		Thread[] threads = new Thread[workers];
		long end = System.nanoTime() + nanos;
		for (int w = 0; w < workers; w++) {
			int worker = w;
			threads[w] = new Thread(() -> {
				while (System.nanoTime() < end) {
					backend.serve(backend.sampleServiceNanos());
					served[worker]++;
				}
			});
			threads[w].start();
		}
		long total = 0;
		for (int w = 0; w < workers; w++) {
			threads[w].join();
			total += served[w];
		}
		return total / (nanos / 1e9);
	}

	private static Run run(SimulatedBackend.Kind kind, Protection protection, Calibration calibration,
			double stepSeconds, long seed) throws InterruptedException {
		List<LoadGenerator.Phase> phases = new ArrayList<>();
		long stepNanos = (long) (stepSeconds * 1e9);
		for (double multiple : MULTIPLES) {
			phases.add(new LoadGenerator.Phase(multiple + "x", multiple, multiple * calibration.capacity(), stepNanos));
		}
		double recovery = recoverySeconds(stepSeconds);
		phases.add(new LoadGenerator.Phase("0.5x after", 0.5, 0.5 * calibration.capacity(), (long) (recovery * 1e9)));
		return runPhases(kind, protection, calibration, phases, seed, -1, 0);
	}

	/**
	 * Runs the phases against a fresh backend and protection; when {@code changeAtNanos >= 0}, the backend's workers
	 * become {@code workersAfter} that long after the start.
	 */
	static Run runPhases(SimulatedBackend.Kind kind, Protection protection, Calibration calibration,
			List<LoadGenerator.Phase> phases, long seed, long changeAtNanos, int workersAfter)
			throws InterruptedException {
		String loadBefore = loadAverage();
		SimulatedBackend backend = Protections.backend(kind);
		Protections.Guarded guarded = protection.factory().apply(backend);
		Shedder shedder = guarded.shedder();
		double offered = 0;
		long[] phaseEnds = new long[phases.size()];
		long total = 0;
		for (int i = 0; i < phases.size(); i++) {
			LoadGenerator.Phase phase = phases.get(i);
			offered += phase.ratePerSecond() * phase.durationNanos() / 1e9;
			total += phase.durationNanos();
			phaseEnds[i] = total;
		}
		RequestLog log = new RequestLog((int) (offered * 1.3) + 10_000);
		long start = System.nanoTime() + 50_000_000L;
		double[] cpu = new double[phases.size()];
		int[] cpuSamples = new int[phases.size()];
		List<double[]> limitSamples = new ArrayList<>();
		Thread cpuMonitor = new Thread(() -> {
			boolean changed = false;
			while (!Thread.currentThread().isInterrupted()) {
				long elapsed = System.nanoTime() - start;
				int phase = 0;
				while (phase < phases.size() - 1 && elapsed >= phaseEnds[phase]) {
					phase++;
				}
				if (elapsed >= 0) {
					cpu[phase] += guarded.signal().getAsDouble();
					cpuSamples[phase]++;
					if (guarded.limit() != null) {
						limitSamples.add(new double[] { elapsed / 1e9, guarded.limit().getAsInt() });
					}
				}
				if (!changed && changeAtNanos >= 0 && elapsed >= changeAtNanos) {
					backend.setWorkers(workersAfter);
					changed = true;
				}
				try {
					Thread.sleep(100);
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "cpu-monitor");
		cpuMonitor.setDaemon(true);
		cpuMonitor.start();
		new LoadGenerator(seed).run(phases, start, (arrival) -> {
			int request = log.arrive(arrival);
			Promise promise;
			try {
				promise = shedder.allow();
			}
			catch (LimiterException ex) {
				log.reject(request);
				return;
			}
			backend.submit(() -> {
				log.complete(request, System.nanoTime());
				promise.accept();
			});
		});
		long end = System.nanoTime();
		cpuMonitor.interrupt();
		cpuMonitor.join();
		for (int phase = 0; phase < cpu.length; phase++) {
			cpu[phase] = (cpuSamples[phase] == 0) ? Double.NaN : cpu[phase] / cpuSamples[phase];
		}
		int dropped = backend.shutdown();
		if (guarded.resource() != null) {
			try {
				guarded.resource().close();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}
		Thread.sleep(1000); // let the CPU reading cool down before the next run
		RunAnalysis analysis = new RunAnalysis(log, start, end, calibration.boundMillis(), calibration.capacity());
		double[] limitSeconds = limitSamples.stream().mapToDouble((sample) -> sample[0]).toArray();
		double[] limits = limitSamples.stream().mapToDouble((sample) -> sample[1]).toArray();
		return new Run(kind.name().toLowerCase(Locale.ROOT), protection.name(), analysis.steps(phases, true),
				analysis.series(), dropped, cpu, limitSeconds, limits, loadBefore + " / " + loadAverage(),
				calibration.capacity());
	}

	/** One line per protection: the targets of the adaptive limiter side by side. */
	private static String summary(List<Run> runs, double stepSeconds, Calibration calibration) {
		StringBuilder table = new StringBuilder("### Side by side\n\n| protection | goodput 0.5x | 1x | 3x | 10x | "
				+ "admitted p99 3x ms | 10x ms | settle 3x s | recovery s | mean limit 3x | 10x | capacity req/s | "
				+ "load avg before / after |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
		for (Run run : runs) {
			List<RunAnalysis.Step> steps = run.steps();
			table.append(String.format(Locale.ROOT,
					"| %s | %.0f %% | %.0f %% | %.0f %% | %.0f %% | %s | %s | %s | %s | %s | %s | %.0f | %s |%n",
					run.protection(), 100 * steps.get(0).goodputOfCapacity(), 100 * steps.get(1).goodputOfCapacity(),
					100 * steps.get(2).goodputOfCapacity(), 100 * steps.get(3).goodputOfCapacity(),
					millis(steps.get(2).p99Millis()), millis(steps.get(3).p99Millis()),
					seconds(steps.get(2).settleSeconds()), seconds(steps.get(4).settleSeconds()),
					limitOf(run, 2, stepSeconds), limitOf(run, 3, stepSeconds), run.capacity(), run.loadAverage()));
		}
		table.append('\n').append(comparison(runs, calibration));
		return table.append('\n').toString();
	}

	/**
	 * Ours against its peers of the same run, step by step: goodput ratios against the best hand-tuned cap (the cap
	 * with the most goodput at 3x and 10x together), Gradient2 and Vegas, and the targets.
	 */
	private static String comparison(List<Run> runs, Calibration calibration) {
		Run ours = find(runs, "AdaptiveConcurrencyLimiter");
		if (ours == null) {
			return "";
		}
		Run bestCap = null;
		for (Run run : runs) {
			boolean cap = run.protection().startsWith("ConcurrencyLimiter");
			if (cap && (bestCap == null || overloadGoodput(run) > overloadGoodput(bestCap))) {
				bestCap = run;
			}
		}
		Run gradient2 = find(runs, "Netflix Gradient2");
		Run vegas = find(runs, "Netflix Vegas");
		StringBuilder table = new StringBuilder("Ours against the peers of this run (goodput ratio; >= 0.9 x the best "
				+ "cap and >= 1 x Gradient2 and Vegas are the targets)");
		if (bestCap != null) {
			table.append("; best hand-tuned cap: ").append(bestCap.protection());
		}
		table.append(".\n\n| step | ours | / best cap | / Gradient2 | / Vegas | admitted p99 / unloaded p99 |\n"
				+ "|---|---:|---:|---:|---:|---:|\n");
		for (int i = 0; i < MULTIPLES.length; i++) {
			RunAnalysis.Step step = ours.steps().get(i);
			table.append(String.format(Locale.ROOT, "| %s | %.0f %% | %s | %s | %s | %.2f |%n", step.label(),
					100 * step.goodputOfCapacity(), ratio(ours, bestCap, i, 0.9), ratio(ours, gradient2, i, 1),
					ratio(ours, vegas, i, 1), step.p99Millis() / calibration.unloadedP99Millis()));
		}
		return table.toString();
	}

	private static String ratio(Run ours, Run peer, int step, double target) {
		if (peer == null) {
			return "-";
		}
		double mine = ours.steps().get(step).goodputOfCapacity();
		double theirs = peer.steps().get(step).goodputOfCapacity();
		double ratio = mine / theirs;
		// within a percentage point of capacity counts as level: the steps' goodputs carry that much noise
		boolean met = ratio >= target || mine >= target * theirs - 0.01;
		return String.format(Locale.ROOT, "%.2f%s", ratio, met ? "" : " (missed)");
	}

	private static double overloadGoodput(Run run) {
		return run.steps().get(2).goodputOfCapacity() + run.steps().get(3).goodputOfCapacity();
	}

	private static Run find(List<Run> runs, String prefix) {
		return runs.stream().filter((run) -> run.protection().startsWith(prefix)).findFirst().orElse(null);
	}

	/** The 1, 5 and 15 minute load averages of the host, from {@code /proc/loadavg}. */
	static String loadAverage() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return fields[0] + " " + fields[1] + " " + fields[2];
		}
		catch (IOException | RuntimeException ex) {
			return "?";
		}
	}

	private static String limitOf(Run run, int step, double stepSeconds) {
		double limit = run.meanLimit(step * stepSeconds, (step + 1) * stepSeconds);
		return Double.isNaN(limit) ? "-" : String.format(Locale.ROOT, "%.1f", limit);
	}

	static Shedder unprotected() {
		return () -> NO_OP;
	}

	private static String table(Run run) {
		StringBuilder table = new StringBuilder(
				"| step | offered req/s | goodput (of capacity) | admitted p50 ms | admitted p99 ms | rejected | "
						+ "unfinished | settle / recover s | load signal |\n"
						+ "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		for (int i = 0; i < run.steps().size(); i++) {
			RunAnalysis.Step step = run.steps().get(i);
			table.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f %% | %s | %s | %.1f %% | %d | %s | %.0f %% |%n",
					step.label(), step.offeredPerSecond(), 100 * step.goodputOfCapacity(), millis(step.p50Millis()),
					millis(step.p99Millis()), 100 * step.rejectedFraction(), step.unfinished(),
					seconds(step.settleSeconds()), 100 * run.cpuPerStep()[i]));
		}
		return table.toString();
	}

	/** The shedder's targets, checked for every run so that the protections can be compared. */
	private static String targets(Run run, Calibration calibration) {
		RunAnalysis.Step three = run.steps().get(2);
		RunAnalysis.Step ten = run.steps().get(3);
		RunAnalysis.Step after = run.steps().get(4);
		double bound = calibration.boundMillis();
		return String.format(Locale.ROOT,
				"%nTargets: goodput at 3x %.0f %% (>= 90 %%: %s), at 10x %.0f %% (>= 80 %%: %s); admitted p99 at 3x %s "
						+ "and 10x %s ms (<= %.1f: %s); recovery %s (<= 2 s: %s).%n",
				100 * three.goodputOfCapacity(), met(three.goodputOfCapacity() >= 0.9), 100 * ten.goodputOfCapacity(),
				met(ten.goodputOfCapacity() >= 0.8), millis(three.p99Millis()), millis(ten.p99Millis()), bound,
				met(three.p99Millis() <= bound && ten.p99Millis() <= bound),
				Double.isNaN(after.settleSeconds()) ? "never" : seconds(after.settleSeconds()) + " s",
				met(after.settleSeconds() <= 2));
	}

	static String seconds(double value) {
		return Double.isNaN(value) ? "never" : String.format(Locale.ROOT, "%.1f", value);
	}

	private static String met(boolean met) {
		return met ? "met" : "missed";
	}

	static String millis(double value) {
		return Double.isInfinite(value) ? "unfinished" : String.format(Locale.ROOT, "%.1f", value);
	}

	private static List<Path> plot(Path out, SimulatedBackend.Kind kind, List<Run> runs, Calibration calibration)
			throws IOException {
		String name = kind.name().toLowerCase(Locale.ROOT);
		Map<String, double[][]> goodput = new LinkedHashMap<>();
		Map<String, double[][]> latency = new LinkedHashMap<>();
		Map<String, double[][]> rejections = new LinkedHashMap<>();
		for (Run run : runs) {
			List<RunAnalysis.Step> steps = run.steps().subList(0, MULTIPLES.length);
			double[] multiples = steps.stream().mapToDouble(RunAnalysis.Step::multiple).toArray();
			double[] percent = steps.stream().mapToDouble((step) -> 100 * step.goodputOfCapacity()).toArray();
			goodput.put(run.protection(), new double[][] { multiples, percent });
			latency.put(run.protection(), new double[][] { run.series().seconds(), run.series().p99Millis() });
			rejections.put(run.protection(), new double[][] { run.series().seconds(), run.series().rejectedPercent() });
		}
		double[] seconds = runs.get(0).series().seconds();
		double[] bound = new double[seconds.length];
		java.util.Arrays.fill(bound, calibration.boundMillis());
		latency.put("bound (2 x unloaded p99)", new double[][] { seconds, bound });
		List<Path> plots = new ArrayList<>();
		plots.add(Charts.line(out, name + "-goodput", "Goodput vs offered load, " + name + " backend",
				"offered load (x capacity)", "goodput (% of capacity)", true, false, goodput, true));
		plots.add(Charts.line(out, name + "-latency",
				"Admitted p99 over time, " + name + " backend (steps 0.5x 1x 3x 10x 0.5x; unfinished at 10 s)",
				"time (s)", "p99 latency (ms)", false, true, latency, false));
		Map<String, double[][]> limits = new LinkedHashMap<>();
		for (Run run : runs) {
			if (run.limits().length > 0) {
				limits.put(run.protection(), new double[][] { run.limitSeconds(), run.limits() });
			}
		}
		if (!limits.isEmpty()) {
			double truth = (kind == SimulatedBackend.Kind.SLEEP) ? Protections.SLEEP_WORKERS
					: Runtime.getRuntime().availableProcessors();
			double[] flat = new double[seconds.length];
			java.util.Arrays.fill(flat, truth);
			limits.put("true concurrency (" + (int) truth + ")", new double[][] { seconds, flat });
			plots.add(Charts.line(out, name + "-limit", "Concurrency limit over time, " + name
					+ " backend (steps 0.5x 1x 3x 10x 0.5x)", "time (s)", "limit (calls in flight)", false, true,
					limits, false));
		}
		plots.add(Charts.line(out, name + "-rejections", "Rejected requests over time, " + name
				+ " backend", "time (s)", "rejected (%)", false, false, rejections, false));
		return plots;
	}

	private static Map<String, String> options(String[] args) {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			if (!arg.startsWith("--") || !arg.contains("=")) {
				throw new IllegalArgumentException("options are --name=value (was " + arg + ")");
			}
			options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
		}
		return options;
	}

}
