package dev.limiter.benchmarks.overload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;

import dev.limiter.core.Promise;
import dev.limiter.core.shedding.AdaptiveConcurrencyLimiter;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.CpuUsage;
import dev.limiter.core.shedding.OverloadException;
import dev.limiter.core.shedding.Shedder;

/** The backends, load protections and breakers the harness compares, with their settings. */
final class Protections {

	private Protections() {
	}

	/**
	 * A protection with the load signal shown in the tables (what the shedder saw, else this process's CPU) and what
	 * to close after the run.
	 */
	record Guarded(Shedder shedder, DoubleSupplier signal, AutoCloseable resource, IntSupplier limit) {

		Guarded(Shedder shedder, DoubleSupplier signal, AutoCloseable resource) {
			this(shedder, signal, resource, null);
		}

	}

	/** Workers of the sleep backend: its true concurrency. */
	static final int SLEEP_WORKERS = 16;

	/** Names of the protections the harness runs unless told otherwise ({@code --protections=all} adds the rest). */
	static final List<String> DEFAULT = List.of("ours", "cap", "gradient2", "vegas", "cpu", "none");

	static OverloadHarness.Protection ours() {
		return new OverloadHarness.Protection("ours", "AdaptiveConcurrencyLimiter (nothing configured)", (backend) -> {
			AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter.builder().name("ours").build();
			return new Guarded(limiter, CpuUsage.shared(), null, limiter::limit);
		});
	}

	static OverloadHarness.Protection netflix(String key, String name, Supplier<Limit> limit) {
		return new OverloadHarness.Protection(key, name, (backend) -> {
			SimpleLimiter<Void> limiter = SimpleLimiter.newBuilder().named(key).limit(limit.get()).build();
			OverloadException refused = new OverloadException(key);
			Shedder shedder = () -> {
				Limiter.Listener listener = limiter.acquire(null).orElseThrow(() -> refused);
				return new Promise() {

					@Override
					public void accept() {
						listener.onSuccess();
					}

					@Override
					public void reject(String reason) {
						listener.onIgnore();
					}

				};
			};
			return new Guarded(shedder, CpuUsage.shared(), null, limiter::getLimit);
		});
	}

	/**
	 * The static caps tried by hand, around the true concurrency (workers of the sleep backend, cores of the cpu
	 * one); the harness compares the others with the best of them.
	 */
	static int[] caps(SimulatedBackend.Kind kind) {
		if (kind == SimulatedBackend.Kind.SLEEP) {
			return new int[] { SLEEP_WORKERS, SLEEP_WORKERS * 3 / 2, 2 * SLEEP_WORKERS };
		}
		int cores = Runtime.getRuntime().availableProcessors();
		return new int[] { cores, cores * 3 / 2, 2 * cores };
	}

	/** Whether a protection is selected by the {@code --protections} keys ({@code cap} selects every cap). */
	static boolean selected(OverloadHarness.Protection protection, List<String> keys) {
		return keys.contains(protection.key()) || (protection.key().startsWith("cap:") && keys.contains("cap"));
	}

	static SimulatedBackend backend(SimulatedBackend.Kind kind) {
		return (kind == SimulatedBackend.Kind.SLEEP) ? new SimulatedBackend(kind, SLEEP_WORKERS, 20, 0.5)
				: new SimulatedBackend(kind, 8, 10, 0.5);
	}

	static List<OverloadHarness.Protection> forBackend(SimulatedBackend.Kind kind) {
		List<OverloadHarness.Protection> protections = new ArrayList<>();
		protections.add(ours());
		protections.add(netflix("gradient2", "Netflix Gradient2 (defaults)", Gradient2Limit::newDefault));
		protections.add(netflix("vegas", "Netflix Vegas (defaults)", VegasLimit::newDefault));
		protections.add(new OverloadHarness.Protection("cpu", "AdaptiveShedder (process CPU)",
				(backend) -> new Guarded(AdaptiveShedder.builder().name("cpu").cpuUsage(CpuUsage.shared()).build(),
						CpuUsage.shared(), null)));
		if (kind == SimulatedBackend.Kind.SLEEP) {
			protections.add(new OverloadHarness.Protection("utilisation",
					"AdaptiveShedder (worker utilisation as CPU)", (backend) -> {
				SampledSignal utilisation = new SampledSignal("utilisation", backend::utilization, 100, 0.8);
				return new Guarded(AdaptiveShedder.builder().name("utilisation").cpuUsage(utilisation).build(),
						utilisation, utilisation);
			}));
		}
		else {
			protections.add(new OverloadHarness.Protection("host", "AdaptiveShedder (host CPU)", (backend) -> {
				SampledSignal host = new SampledSignal("host-cpu", SampledSignal.hostCpu(), 250, 0.5);
				return new Guarded(AdaptiveShedder.builder().name("host").cpuUsage(host).build(), host, host);
			}));
		}
		for (int cap : caps(kind)) {
			protections.add(new OverloadHarness.Protection("cap:" + cap, "ConcurrencyLimiter (" + cap + ", by hand)",
					(backend) -> new Guarded(ConcurrencyLimiter.of("cap", cap), CpuUsage.shared(), null, () -> cap)));
		}
		protections.add(new OverloadHarness.Protection("none", "no protection",
				(backend) -> new Guarded(OverloadHarness.unprotected(), CpuUsage.shared(), null)));
		return protections;
	}

	static List<BreakerScenario.Subject> breakers(long seed) {
		List<BreakerScenario.Subject> subjects = new ArrayList<>();
		subjects.add(new BreakerScenario.Subject("SreBreaker",
				"go-zero defaults: k 1.5, protection 5, 10 s in 40 buckets", (clock) -> SreBreaker.builder("sre")
					.clock(clock)
					.random(new SplittableRandom(seed)::nextDouble)
					.build()));
		for (int seconds : new int[] { 3, 2 }) {
			subjects.add(new BreakerScenario.Subject("SreBreaker, " + seconds + " s window",
					"k 1.5, protection 5, " + seconds + " s in " + (4 * seconds) + " buckets of 250 ms",
					(clock) -> SreBreaker.builder("sre")
						.window(Duration.ofSeconds(seconds))
						.buckets(4 * seconds)
						.clock(clock)
						.random(new SplittableRandom(seed)::nextDouble)
						.build()));
		}
		subjects.add(new BreakerScenario.Subject("ThresholdBreaker",
				"failure rate 0.5 over 1 s (10 buckets), minimum 20 calls, open 1 s, 5 half-open calls, "
						+ "probe timeout 1 s",
				(clock) -> ThresholdBreaker.builder("threshold")
					.failureRateThreshold(0.5)
					.window(Duration.ofSeconds(1))
					.buckets(10)
					.minimumCalls(20)
					.openDuration(Duration.ofSeconds(1))
					.halfOpenCalls(5)
					.probeTimeout(Duration.ofSeconds(1))
					.clock(clock)
					.build()));
		return subjects;
	}

}
