package dev.limiter.benchmarks.overload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;
import dev.limiter.core.shedding.AdaptiveShedder;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.CpuUsage;
import dev.limiter.core.shedding.Shedder;

/** The backends, load protections and breakers the harness compares, with their settings. */
final class Protections {

	private Protections() {
	}

	/**
	 * A protection with the load signal shown in the tables (what the shedder saw, else this process's CPU) and what
	 * to close after the run.
	 */
	record Guarded(Shedder shedder, DoubleSupplier signal, AutoCloseable resource) {
	}

	static SimulatedBackend backend(SimulatedBackend.Kind kind) {
		return (kind == SimulatedBackend.Kind.SLEEP) ? new SimulatedBackend(kind, 16, 20, 0.5)
				: new SimulatedBackend(kind, 8, 10, 0.5);
	}

	static List<OverloadHarness.Protection> forBackend(SimulatedBackend.Kind kind) {
		List<OverloadHarness.Protection> protections = new ArrayList<>();
		int cap = (kind == SimulatedBackend.Kind.SLEEP) ? 2 * 16 : 2 * Runtime.getRuntime().availableProcessors();
		protections.add(new OverloadHarness.Protection("AdaptiveShedder (process CPU)",
				(backend) -> new Guarded(AdaptiveShedder.builder().name("cpu").cpuUsage(CpuUsage.shared()).build(),
						CpuUsage.shared(), null)));
		if (kind == SimulatedBackend.Kind.SLEEP) {
			protections.add(new OverloadHarness.Protection("AdaptiveShedder (worker utilisation as CPU)", (backend) -> {
				SampledSignal utilisation = new SampledSignal("utilisation", backend::utilization, 100, 0.8);
				return new Guarded(AdaptiveShedder.builder().name("utilisation").cpuUsage(utilisation).build(),
						utilisation, utilisation);
			}));
		}
		else {
			protections.add(new OverloadHarness.Protection("AdaptiveShedder (host CPU)", (backend) -> {
				SampledSignal host = new SampledSignal("host-cpu", SampledSignal.hostCpu(), 250, 0.5);
				return new Guarded(AdaptiveShedder.builder().name("host").cpuUsage(host).build(), host, host);
			}));
		}
		protections.add(new OverloadHarness.Protection("ConcurrencyLimiter (" + cap + ")",
				(backend) -> new Guarded(ConcurrencyLimiter.of("cap", cap), CpuUsage.shared(), null)));
		protections.add(new OverloadHarness.Protection("no protection",
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
