package dev.limiter.benchmarks.overload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import java.util.SplittableRandom;

import dev.limiter.core.breaker.SreBreaker;
import dev.limiter.core.breaker.ThresholdBreaker;

/** The backends, load protections and breakers the harness compares, with their settings. */
final class Protections {

	private Protections() {
	}

	static SimulatedBackend backend(SimulatedBackend.Kind kind) {
		return (kind == SimulatedBackend.Kind.SLEEP) ? new SimulatedBackend(kind, 16, 20, 0.5)
				: new SimulatedBackend(kind, 8, 10, 0.5);
	}

	static List<OverloadHarness.Protection> forBackend(SimulatedBackend.Kind kind) {
		List<OverloadHarness.Protection> protections = new ArrayList<>();
		protections.add(new OverloadHarness.Protection("no protection", (backend) -> OverloadHarness.unprotected()));
		return protections;
	}

	static List<BreakerScenario.Subject> breakers(long seed) {
		List<BreakerScenario.Subject> subjects = new ArrayList<>();
		subjects.add(new BreakerScenario.Subject("SreBreaker", "go-zero defaults: k 1.5, protection 5, 10 s in 40 buckets",
				(clock) -> SreBreaker.builder("sre").clock(clock).random(new SplittableRandom(seed)::nextDouble).build()));
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
				"failure rate 0.5 over 1 s (10 buckets), minimum 20 calls, open 1 s, 5 half-open calls, probe timeout 1 s",
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
