package dev.limiter.core.shedding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.limiter.core.ManualClock;
import dev.limiter.core.shedding.QueueSimulation.WaitQueue;

/**
 * The study behind docs/benchmarks/adaptive/queue-study.md: the adaptive limiter and static caps with and without a
 * wait queue in front, and with priorities, in {@link QueueSimulation}'s virtual time. Not a test (surefire runs it
 * only when named): {@code ./mvnw -B -ntp -o -q test -pl limiter-core -Dtest=QueueStudy
 * -Dsurefire.failIfNoSpecifiedTests=false -Dcheckstyle.skip}; writes target/queue-study.md and logs it.
 */
class QueueStudy {

	private static final Map<Backend, Double> GOOD_BOUNDS = new ConcurrentHashMap<>();

	private static final Logger logger = LoggerFactory.getLogger(QueueStudy.class);

	private static final double[] STEPS = { 0.5, 1, 3, 10 };

	private static final double STEP_SECONDS = 20;

	/** Seconds at the start of each step left out of its numbers. */
	private static final double SETTLE = 2;

	private static final long[] SEEDS = LongStream.rangeClosed(1, 20).toArray();

	static final Backend CPU = new Backend("(a) cpu: 8 workers on 2 processor-sharing cores, lognormal 10 ms median, "
			+ "sigma 0.5", 8, 2, 0.01 * Math.exp(0.125), 0.5);

	static final Backend POOL = new Backend("(b) pool: 4 servers, exponential 40 ms mean", 4, 0, 0.04, Double.NaN);

	@Test
	void study() throws IOException {
		StringBuilder out = new StringBuilder();
		for (Backend backend : List.of(CPU, POOL)) {
			double unloaded = unloadedP99(backend);
			out.append(String.format(Locale.ROOT, "### %s%n%nCapacity %.1f/s; unloaded p99 %.1f ms (0.1 x capacity, "
					+ "no limit, 300 s x 3 seeds); good = answered within %.1f ms of the arrival.%n%n",
					backend.name, backend.capacity(), unloaded * 1e3, 2 * unloaded * 1e3));
			out.append("| variant | 0.5 x | 1 x | 3 x | 10 x | 3 x min | 10 x min | p99/unloaded 3 x | 10 x "
					+ "| mean limit 3-10 x |\n|---|---|---|---|---|---|---|---|---|---|\n");
			for (Variant variant : variants(backend)) {
				out.append(row(backend, unloaded, variant));
			}
			out.append(String.format(Locale.ROOT, "%nPriorities (50 %% critical, 50 %% sheddable), goodput as a "
					+ "fraction of capacity:%n%n| variant | critical 3 x | critical 10 x | total 1 x | total 3 x "
					+ "| total 10 x | critical p99/unloaded 10 x | mean limit 3-10 x |%n"
					+ "|---|---|---|---|---|---|---|---|%n"));
			for (Variant variant : priorityVariants(backend)) {
				out.append(priorityRow(backend, unloaded, variant));
			}
			out.append('\n');
		}
		Path file = Path.of("target", "queue-study.md");
		Files.createDirectories(file.getParent());
		Files.writeString(file, out);
		logger.info("Queue study, written to {}:\n{}", file.toAbsolutePath(), out);
	}

	private static List<Variant> variants(Backend backend) {
		List<Variant> variants = new ArrayList<>();
		double bound = 2 * unloadedP99(backend);
		variants.add(Variant.adaptive("ours, no queue", null));
		variants.add(Variant.adaptive("ours + LIFO, max wait 5 ms", (base) -> WaitQueue.lifo(() -> 0.005)));
		variants.add(Variant.adaptive("ours + LIFO, max wait = baseline", WaitQueue::lifo));
		variants.add(Variant.adaptive("ours + LIFO, max wait = 2 x baseline",
				(base) -> WaitQueue.lifo(() -> 2 * base.getAsDouble())));
		variants.add(Variant.adaptive("ours + LIFO, max wait 20 ms", (base) -> WaitQueue.lifo(() -> 0.02)));
		variants.add(Variant.adaptive("ours + CoDel LIFO, 2 x unloaded p99, 5 ms after 100 ms",
				(base) -> WaitQueue.codel(() -> bound, () -> 0.005, 0.1)));
		variants.add(Variant.adaptive("ours + CoDel LIFO, 2 x unloaded p99, baseline after 100 ms",
				(base) -> WaitQueue.codel(() -> bound, base, 0.1)));
		variants.add(Variant.adaptive("ours + CoDel LIFO, 100 ms, 5 ms after 100 ms",
				(base) -> WaitQueue.codel(() -> 0.1, () -> 0.005, 0.1)));
		variants.add(Variant.adaptive("ours + FIFO, max wait = 2 x baseline",
				(base) -> WaitQueue.fifo(() -> 2 * base.getAsDouble())));
		variants.add(Variant.adaptive("ours + FIFO, max wait 20 ms", (base) -> WaitQueue.fifo(() -> 0.02)));
		for (int cap = backend.smallestCap(); cap <= backend.smallestCap() + backend.caps(); cap++) {
			variants.add(Variant.cap(cap, "", null));
			variants.add(Variant.cap(cap, " + LIFO, max wait = 2 x mean service",
					(base) -> WaitQueue.lifo(() -> 2 * base.getAsDouble())));
		}
		return variants;
	}

	private static List<Variant> priorityVariants(Backend backend) {
		List<Variant> variants = new ArrayList<>();
		variants.add(Variant.adaptive("ours, no priorities", null));
		for (double fraction : new double[] { 0.8, 0.9, 0.5 }) {
			variants.add(Variant.adaptive("ours, sheddable below " + fraction + " x limit", null)
				.priorities(fraction, false));
		}
		for (double fraction : new double[] { 0.8, 0.9 }) {
			variants.add(Variant.adaptive("ours, sheddable below min(" + fraction + " x limit, limit - 1)", null)
				.priorities(fraction, true));
		}
		Function<DoubleSupplier, WaitQueue> lifo = WaitQueue::lifo;
		variants.add(Variant.adaptive("ours + LIFO baseline, no priorities", lifo));
		variants.add(Variant.adaptive("ours + LIFO baseline, sheddable below 0.8 x limit", lifo)
			.priorities(0.8, false));
		variants.add(Variant.adaptive("ours + LIFO baseline, sheddable below min(0.8 x limit, limit - 1)", lifo)
			.priorities(0.8, true));
		return variants;
	}

	private static String row(Backend backend, double unloaded, Variant variant) {
		double[] goodput = new double[STEPS.length];
		double min3 = Double.MAX_VALUE;
		double min10 = Double.MAX_VALUE;
		double p99at3 = 0;
		double p99at10 = 0;
		double limit = 0;
		for (long seed : SEEDS) {
			Run run = run(backend, variant, seed);
			for (int i = 0; i < STEPS.length; i++) {
				goodput[i] += run.goodput(i, 2 * unloaded) / SEEDS.length;
			}
			min3 = Math.min(min3, run.goodput(2, 2 * unloaded));
			min10 = Math.min(min10, run.goodput(3, 2 * unloaded));
			p99at3 += run.simulation.p99(start(2), end(2)) / unloaded / SEEDS.length;
			p99at10 += run.simulation.p99(start(3), end(3)) / unloaded / SEEDS.length;
			limit += ((variant.cap > 0) ? variant.cap : run.simulation.meanLimit(start(2), end(3))) / SEEDS.length;
		}
		return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.1f |%n", variant.name,
				percent(goodput[0]), percent(goodput[1]), percent(goodput[2]), percent(goodput[3]), percent(min3),
				percent(min10), p99at3, p99at10, limit);
	}

	private static String priorityRow(Backend backend, double unloaded, Variant variant) {
		double[] sums = new double[7];
		for (long seed : SEEDS) {
			Run run = run(backend, variant, seed);
			QueueSimulation simulation = run.simulation;
			double capacity = backend.capacity();
			// without priorities every call is critical: half of them stand for the critical ones
			double share = Double.isNaN(variant.priorities) ? 0.5 : 1;
			sums[0] += share * simulation.criticalGoodput(start(2), end(2), 2 * unloaded) / capacity;
			sums[1] += share * simulation.criticalGoodput(start(3), end(3), 2 * unloaded) / capacity;
			sums[2] += run.goodput(2, 2 * unloaded);
			sums[3] += run.goodput(3, 2 * unloaded);
			sums[4] += simulation.criticalP99(start(3), end(3)) / unloaded;
			sums[5] += run.goodput(1, 2 * unloaded);
			sums[6] += simulation.meanLimit(start(2), end(3));
		}
		int n = SEEDS.length;
		return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %.2f | %.1f |%n", variant.name,
				percent(sums[0] / n), percent(sums[1] / n), percent(sums[5] / n), percent(sums[2] / n),
				percent(sums[3] / n), sums[4] / n, sums[6] / n);
	}

	/** One run of the four steps for a seed. */
	static Run run(Backend backend, Variant variant, long seed) {
		ManualClock clock = new ManualClock();
		Shedder shedder;
		DoubleSupplier baseline;
		if (variant.cap > 0) {
			shedder = ConcurrencyLimiter.of("cap", variant.cap);
			baseline = () -> backend.work;
		}
		else {
			AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter.builder().clock(clock).build();
			shedder = limiter;
			baseline = () -> limiter.baseline().toNanos() / 1e9;
		}
		QueueSimulation simulation = backend.simulation(clock, shedder, seed)
			.arrivals((t) -> STEPS[Math.min(STEPS.length - 1, (int) (t / STEP_SECONDS))] * backend.capacity());
		if (variant.queue != null) {
			simulation.waitQueue(variant.queue.apply(baseline));
		}
		if (!Double.isNaN(variant.priorities)) {
			simulation.priorities(variant.priorities, variant.reserveOne);
		}
		simulation.run(STEPS.length * STEP_SECONDS);
		return new Run(simulation, backend.capacity());
	}

	/**
	 * Twice the backend's unloaded p99: calls answered within it are good. Computed once per backend (each takes a
	 * long simulation).
	 */
	static double goodBound(Backend backend) {
		return GOOD_BOUNDS.computeIfAbsent(backend, (key) -> 2 * unloadedP99(key));
	}

	/** The p99 of a backend at 0.1 x its capacity with nothing limiting, the mean over three seeds. */
	static double unloadedP99(Backend backend) {
		double sum = 0;
		for (long seed = 1; seed <= 3; seed++) {
			QueueSimulation simulation = backend.simulation(new ManualClock(), ConcurrencyLimiter.of("none", 0), seed)
				.arrivals((t) -> 0.1 * backend.capacity())
				.run(300);
			sum += simulation.p99(0, 300);
		}
		return sum / 3;
	}

	static double start(int step) {
		return step * STEP_SECONDS + SETTLE;
	}

	static double end(int step) {
		return (step + 1) * STEP_SECONDS;
	}

	private static String percent(double fraction) {
		return String.format(Locale.ROOT, "%.0f %%", 100 * fraction);
	}

	/** A run's simulation and the backend's capacity. */
	record Run(QueueSimulation simulation, double capacity) {

		/** Goodput in a step (index into the steps), as a fraction of capacity. */
		double goodput(int step, double bound) {
			return this.simulation.goodput(start(step), end(step), bound) / this.capacity;
		}

	}

	/**
	 * A simulated backend.
	 * @param name its description
	 * @param servers servers (workers, for processor sharing)
	 * @param cores processor-sharing cores, or 0 for none
	 * @param work the mean service time (seconds at full speed)
	 * @param sigma the lognormal sigma, or NaN for exponential service times
	 */
	record Backend(String name, int servers, int cores, double work, double sigma) {

		double capacity() {
			return ((this.cores > 0) ? this.cores : this.servers) / this.work;
		}

		int smallestCap() {
			return (this.cores > 0) ? 2 : 4;
		}

		int caps() {
			return (this.cores > 0) ? 3 : 2;
		}

		QueueSimulation simulation(ManualClock clock, Shedder shedder, long seed) {
			QueueSimulation simulation = new QueueSimulation(clock, shedder, seed).servers((t) -> this.servers)
				.meanService((t) -> this.work);
			if (this.cores > 0) {
				simulation.processorSharing((t) -> this.cores);
			}
			if (!Double.isNaN(this.sigma)) {
				simulation.lognormalService(this.sigma);
			}
			return simulation;
		}

	}

	/**
	 * A shedder (the adaptive limiter, or a static cap if {@code cap > 0}), a wait queue made from the baseline
	 * (the limiter's, or the backend's mean service time for a cap) or none, and priorities (the sheddable fraction
	 * of the limit, NaN for none; see {@link QueueSimulation#priorities(double, boolean)}).
	 */
	record Variant(String name, int cap, Function<DoubleSupplier, WaitQueue> queue, double priorities,
			boolean reserveOne) {

		static Variant adaptive(String name, Function<DoubleSupplier, WaitQueue> queue) {
			return new Variant(name, 0, queue, Double.NaN, false);
		}

		static Variant cap(int cap, String name, Function<DoubleSupplier, WaitQueue> queue) {
			return new Variant("cap " + cap + name, cap, queue, Double.NaN, false);
		}

		Variant priorities(double fraction, boolean reserveOne) {
			return new Variant(this.name, this.cap, this.queue, fraction, reserveOne);
		}

	}

}
