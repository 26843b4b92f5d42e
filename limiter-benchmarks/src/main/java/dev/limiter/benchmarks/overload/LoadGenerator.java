package dev.limiter.benchmarks.overload;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop Poisson arrivals: one thread issues requests at exponentially distributed inter-arrival times,
 * whatever the completions, following a schedule of phases (rate, duration). A request's arrival time is its
 * scheduled time, so a late generator does not hide queueing (no coordinated omission).
 */
final class LoadGenerator {

	/** One phase of the schedule. */
	record Phase(String label, double multiple, double ratePerSecond, long durationNanos) {
	}

	/** What to do with each arrival, on the generator thread. */
	interface Arrivals {

		void arrive(long scheduledNanos);

	}

	private final SplittableRandom random;

	LoadGenerator(long seed) {
		this.random = new SplittableRandom(seed);
	}

	/** Runs the phases from {@code startNanos} on the calling thread; returns when the last one ends. */
	void run(List<Phase> phases, long startNanos, Arrivals arrivals) {
		long phaseStart = startNanos;
		for (Phase phase : phases) {
			long phaseEnd = phaseStart + phase.durationNanos();
			double meanGapNanos = 1e9 / phase.ratePerSecond();
			long next = phaseStart + gap(meanGapNanos);
			while (next < phaseEnd) {
				long now = System.nanoTime();
				if (next > now) {
					long wait = next - now;
					if (wait > 20_000) {
						LockSupport.parkNanos(wait - 10_000);
					}
					else {
						Thread.onSpinWait();
					}
					continue;
				}
				arrivals.arrive(next);
				next += gap(meanGapNanos);
			}
			while (System.nanoTime() < phaseEnd) {
				LockSupport.parkNanos(Math.max(1, phaseEnd - System.nanoTime()));
			}
			phaseStart = phaseEnd;
		}
	}

	private long gap(double meanNanos) {
		return Math.max(1, (long) (-Math.log(1 - this.random.nextDouble()) * meanNanos));
	}

}
