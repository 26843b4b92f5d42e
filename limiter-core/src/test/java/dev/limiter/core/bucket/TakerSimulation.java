package dev.limiter.core.bucket;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the goroutines of uber-go/ratelimit's mock-clock tests on virtual time, deterministically: each taker loops
 * over {@code Take()} calls on its limiters and completes an iteration when the last of them returns. Takes are
 * reserved in time order (ties: the taker started first), each returning at {@code max(slot, now)}, exactly as a
 * goroutine blocked in {@code clock.Sleep} until its slot. {@link #countBefore(long)} is the Go test's counter as seen
 * by an assertion timer at that instant, which fires before the takers woken at the same instant.
 */
final class TakerSimulation {

	private final List<Taker> takers = new ArrayList<>();

	private final List<Long> completions = new ArrayList<>();

	/**
	 * Adds a taker that starts at the given time and loops {@code for { for each limiter: Take() }; count++ }}.
	 */
	TakerSimulation startTaking(long atNanos, LeakyBucket... limiters) {
		this.takers.add(new Taker(atNanos, limiters));
		return this;
	}

	/** Runs every take that starts before {@code untilNanos}. */
	TakerSimulation runUntil(long untilNanos) {
		while (true) {
			Taker next = null;
			for (Taker taker : this.takers) {
				if (next == null || taker.readyAt < next.readyAt) {
					next = taker;
				}
			}
			if (next == null || next.readyAt >= untilNanos) {
				return this;
			}
			long slot = next.limiters[next.step].reserveAt(next.readyAt);
			next.readyAt = Math.max(slot, next.readyAt);
			next.step++;
			if (next.step == next.limiters.length) {
				next.step = 0;
				this.completions.add(next.readyAt);
			}
		}
	}

	/** The number of loop iterations completed strictly before the given time. */
	long countBefore(long nanos) {
		return this.completions.stream().filter((time) -> time < nanos).count();
	}

	private static final class Taker {

		private final LeakyBucket[] limiters;

		private long readyAt;

		private int step;

		Taker(long readyAt, LeakyBucket[] limiters) {
			this.readyAt = readyAt;
			this.limiters = limiters;
		}

	}

}
