package dev.limiter.core.bucket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.limiter.core.Clock;
import dev.limiter.core.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tests of {@link LeakyBucket}, mostly ported from uber-go/ratelimit v0.3.1 ({@code ratelimit_test.go},
 * {@code example_test.go}). Uber's multi-goroutine tests run on {@link TakerSimulation}; the others on a
 * {@link ManualClock}, whose {@code sleep} advances the clock, so the clock shows how long takes waited.
 */
class LeakyBucketTest {

	private static final long MS = 1_000_000L;

	private static final long SECOND = 1_000_000_000L;

	private final ManualClock clock = new ManualClock();

	@Test
	void perRequestIsPerDividedByRateInWholeNanoseconds() {
		// uber-go limiter_atomic_int64.go newAtomicInt64Based: integer time.Duration division
		assertThat(LeakyBucket.builder(3).build().perRequest()).isEqualTo(Duration.ofNanos(333_333_333));
		assertThat(LeakyBucket.builder(7).per(Duration.ofMinutes(1)).build().perRequest())
			.isEqualTo(Duration.ofNanos(8_571_428_571L));
		assertThat(LeakyBucket.builder(100).build().perRequest()).isEqualTo(Duration.ofMillis(10));
		assertThat(LeakyBucket.builder(100).build().slack()).isEqualTo(10);
		assertThat(LeakyBucket.builder(100).withoutSlack().build().slack()).isZero();
	}

	@Test
	void invalidArgumentsAreRejectedWithTheValue() {
		assertThatIllegalArgumentException().isThrownBy(() -> LeakyBucket.builder(0))
			.withMessage("rate must be > 0 (was 0)");
		assertThatIllegalArgumentException().isThrownBy(() -> LeakyBucket.builder(-3))
			.withMessage("rate must be > 0 (was -3)");
		assertThatIllegalArgumentException().isThrownBy(() -> LeakyBucket.builder(1).per(Duration.ZERO))
			.withMessage("per must be > 0 (was PT0S)");
		assertThatIllegalArgumentException().isThrownBy(() -> LeakyBucket.builder(1).per(Duration.ofSeconds(-1)))
			.withMessage("per must be > 0 (was PT-1S)");
		assertThatIllegalArgumentException().isThrownBy(() -> LeakyBucket.builder(1).per(Duration.ofDays(365 * 300)))
			.withMessageStartingWith("per must be at most 9223372036854775807ns");
		assertThatIllegalArgumentException().isThrownBy(() -> LeakyBucket.builder(1).slack(-1))
			.withMessage("slack must be >= 0 (was -1)");
		assertThatThrownBy(() -> LeakyBucket.builder(1).clock(null)).isInstanceOf(NullPointerException.class);
	}

	@Test
	void firstTakeIsImmediateEvenAtClockZeroAndTheSecondWaitsOnePeriod() throws InterruptedException {
		// Uber's int64 limiter would read a state of 0 as "never used" and let the second take through too.
		LeakyBucket limiter = LeakyBucket.builder(10).clock(this.clock).build();
		assertThat(limiter.take()).isZero();
		assertThat(this.clock.nanoTime()).isZero();
		assertThat(limiter.take()).isEqualTo(100 * MS);
		assertThat(this.clock.nanoTime()).isEqualTo(100 * MS);
	}

	@Test
	void aSlotAtLongMinValueIsNotMistakenForNeverUsed() throws InterruptedException {
		this.clock.advanceNanos(Long.MIN_VALUE);
		LeakyBucket limiter = LeakyBucket.builder(10).withoutSlack().clock(this.clock).build();
		assertThat(limiter.take()).isEqualTo(Long.MIN_VALUE + 1);
		assertThat(limiter.take()).isEqualTo(Long.MIN_VALUE + 1 + 100 * MS);
	}

	@Test
	void takesWithoutSlackAreEvenlySpaced() throws InterruptedException {
		// example_test.go Example_withoutSlack
		LeakyBucket limiter = LeakyBucket.builder(100).withoutSlack().clock(this.clock).build();
		assertThat(gapsBetweenTakes(limiter, 6)).containsExactly(10 * MS, 10 * MS, 10 * MS, 10 * MS, 10 * MS);
	}

	@Test
	void slackLetsTakesCatchUpWithTimeLeftUnused() throws InterruptedException {
		// example_test.go Example_default: Go prints "4ms" for the fourth gap: its real 45 ms sleep overshoots a
		// little, leaving a gap just under 5 ms that Round(2ms) turns into 4ms. On a manual clock the gap is 5 ms.
		LeakyBucket limiter = LeakyBucket.builder(100).clock(this.clock).build();
		limiter.take();
		this.clock.advance(Duration.ofMillis(45));
		assertThat(gapsBetweenTakes(limiter, 10)).containsExactly(0L, 0L, 0L, 5 * MS, 10 * MS, 10 * MS, 10 * MS,
				10 * MS, 10 * MS);
	}

	@ParameterizedTest(name = "slack {0}")
	@ValueSource(ints = { -1, 0 })
	void initialTakesAreScheduledOnePeriodApart(int slack) {
		// ratelimit_test.go TestInitial ("With Slack" = default, "Without Slack"): three concurrent first takes
		LeakyBucket.Builder builder = LeakyBucket.builder(10).clock(this.clock);
		LeakyBucket limiter = ((slack < 0) ? builder : builder.slack(slack)).build();
		long start = 5 * SECOND;
		List<Long> gaps = new ArrayList<>();
		long previous = start;
		for (int i = 0; i < 3; i++) {
			long slot = Math.max(limiter.reserveAt(start), start);
			gaps.add(slot - previous);
			previous = slot;
		}
		assertThat(gaps).containsExactly(0L, 100 * MS, 100 * MS);
	}

	@Test
	void concurrentTakersShareTheRate() {
		// ratelimit_test.go TestRateLimiter: four goroutines on one limiter of 100/s without slack
		LeakyBucket limiter = LeakyBucket.builder(100).withoutSlack().clock(this.clock).build();
		TakerSimulation simulation = new TakerSimulation();
		for (int i = 0; i < 4; i++) {
			simulation.startTaking(0, limiter);
		}
		simulation.runUntil(3 * SECOND);
		assertThat(simulation.countBefore(SECOND)).isEqualTo(100);
		assertThat(simulation.countBefore(2 * SECOND)).isEqualTo(200);
		assertThat(simulation.countBefore(3 * SECOND)).isEqualTo(300);
	}

	@Test
	void takersJoiningLaterAreLimitedByTheFastLimiterAlone() {
		// ratelimit_test.go TestDelayedRateLimiter: slow (10/s) + fast (100/s) for 20 s, then 4 more on fast
		LeakyBucket slow = LeakyBucket.builder(10).withoutSlack().clock(this.clock).build();
		LeakyBucket fast = LeakyBucket.builder(100).withoutSlack().clock(this.clock).build();
		TakerSimulation simulation = new TakerSimulation().startTaking(0, slow, fast);
		for (int i = 0; i < 4; i++) {
			simulation.startTaking(20 * SECOND, fast);
		}
		simulation.runUntil(30 * SECOND);
		assertThat(simulation.countBefore(30 * SECOND)).isEqualTo(1200);
	}

	@Test
	void perSetsThePeriodOfTheRate() {
		// ratelimit_test.go TestPer: 7 per minute, two goroutines
		LeakyBucket limiter = LeakyBucket.builder(7).withoutSlack().per(Duration.ofMinutes(1)).clock(this.clock)
			.build();
		TakerSimulation simulation = new TakerSimulation().startTaking(0, limiter).startTaking(0, limiter);
		simulation.runUntil(2 * 60 * SECOND);
		assertThat(simulation.countBefore(SECOND)).isEqualTo(1);
		assertThat(simulation.countBefore(60 * SECOND)).isEqualTo(8);
		assertThat(simulation.countBefore(2 * 60 * SECOND)).isEqualTo(15);
	}

	static Stream<Arguments> slackCases() {
		UnaryOperator<LeakyBucket.Builder> per500ms = (builder) -> builder.per(Duration.ofMillis(500));
		return Stream.of(Arguments.of("no option, defaults to 10", UnaryOperator.identity(), 130),
				Arguments.of("slack of 10, like default", slack(10), 130),
				Arguments.of("slack of 20", slack(20), 140),
				Arguments.of("slack of 150", slack(150), 270),
				Arguments.of("no option, defaults to 10, with per", per500ms, 230),
				Arguments.of("slack of 10, like default, with per", and(slack(10), per500ms), 230),
				Arguments.of("slack of 20, with per", and(slack(20), per500ms), 240),
				Arguments.of("slack of 150, with per", and(slack(150), per500ms), 370));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("slackCases")
	void slackAccumulatedWhileBlockedElsewhereIsSpentAtOnce(String about, UnaryOperator<LeakyBucket.Builder> options,
			int want) {
		// ratelimit_test.go TestSlack: one goroutine on slow (10/s) + fast lets fast accumulate slack for 2 s,
		// then two goroutines on fast alone spend it: 2*10 + 1*fastRate + slack
		LeakyBucket slow = LeakyBucket.builder(10).withoutSlack().clock(this.clock).build();
		LeakyBucket fast = options.apply(LeakyBucket.builder(100).clock(this.clock)).build();
		TakerSimulation simulation = new TakerSimulation().startTaking(0, slow, fast)
			.startTaking(2 * SECOND, fast)
			.startTaking(2 * SECOND, fast);
		simulation.runUntil(3 * SECOND);
		assertThat(simulation.countBefore(SECOND)).isEqualTo(10);
		assertThat(simulation.countBefore(3 * SECOND)).isEqualTo(want);
	}

	@Test
	void slackIsNotReappliedImmediately() throws InterruptedException {
		// ratelimit_test.go TestImmediateSlackReapply, the regression test of issue 119 (fixed in v0.3.1): 1/s with
		// a slack of 1; after 2 s idle two takes are immediate, the next three one second apart.
		// Before the fix every take here returned at once.
		LeakyBucket limiter = LeakyBucket.builder(1).per(Duration.ofSeconds(1)).slack(1).clock(this.clock).build();
		limiter.take();
		this.clock.advance(Duration.ofSeconds(2));
		long start = this.clock.nanoTime();
		for (int i = 0; i < 5; i++) {
			limiter.take();
			this.clock.advanceNanos(1);
		}
		assertThat(this.clock.nanoTime() - start).isGreaterThan(3 * SECOND);
	}

	@Test
	void takesArrivingJustOverTheSlackBehindTheScheduleAreStillThrottled() throws InterruptedException {
		// issue 119 (uber-go limiter_atomic_int64.go Take): after idleness the schedule is re-anchored maxSlack
		// behind now; with the old cap test (now - last > maxSlack) every take 1 ns later was re-anchored again and
		// none ever waited
		LeakyBucket limiter = LeakyBucket.builder(1).slack(1).clock(this.clock).build();
		limiter.take();
		this.clock.advance(Duration.ofSeconds(5));
		int immediate = 0;
		for (int i = 0; i < 10; i++) {
			long before = this.clock.nanoTime();
			limiter.take();
			if (this.clock.nanoTime() == before) {
				immediate++;
			}
			this.clock.advanceNanos(1);
		}
		assertThat(immediate).isEqualTo(2);
		assertThat(this.clock.nanoTime()).isEqualTo(5 * SECOND + 8 * SECOND + 1);
	}

	@ParameterizedTest(name = "slack {0}")
	@ValueSource(ints = { 0, 1, 10, 150 })
	void afterIdlenessSlackPlusOneTakesAreImmediate(int slack) throws InterruptedException {
		// uber-go limiter_atomic_int64.go Take: after idleness, up to slack + 1 takes return at once, then one per
		// perRequest
		LeakyBucket limiter = LeakyBucket.builder(100).slack(slack).clock(this.clock).build();
		limiter.take();
		this.clock.advance(Duration.ofSeconds(10));
		long idleEnd = this.clock.nanoTime();
		int immediate = 0;
		while (limiter.take() == idleEnd && this.clock.nanoTime() == idleEnd) {
			immediate++;
		}
		assertThat(immediate).isEqualTo(slack + 1);
		assertThat(this.clock.nanoTime() - idleEnd).isEqualTo(10 * MS);
		assertThat(limiter.take()).isEqualTo(idleEnd + 20 * MS);
	}

	@Test
	void unlimitedNeverWaits() throws InterruptedException {
		// ratelimit_test.go TestUnlimited
		LeakyBucket limiter = LeakyBucket.unlimited(this.clock);
		this.clock.advance(Duration.ofMillis(7));
		for (int i = 0; i < 1000; i++) {
			assertThat(limiter.take()).isEqualTo(7 * MS);
		}
		assertThat(this.clock.nanoTime()).isEqualTo(7 * MS);
		assertThat(limiter.perRequest()).isZero();
		assertThat(limiter).hasToString("LeakyBucket[unlimited]");
	}

	@Test
	void aRateAboveOnePerNanosecondIsUnlimited() throws InterruptedException {
		// uber-go limiter_atomic_int64.go: perRequest == 0 is effectively unlimited
		LeakyBucket limiter = LeakyBucket.builder(Integer.MAX_VALUE).clock(this.clock).build();
		assertThat(limiter.perRequest()).isZero();
		for (int i = 0; i < 100; i++) {
			assertThat(limiter.take()).isZero();
		}
		assertThat(this.clock.nanoTime()).isZero();
	}

	@ParameterizedTest(name = "slack {0}")
	@ValueSource(ints = { 0, 10 })
	void clockGoingBackwardsKeepsTheSpacing(int slack) throws InterruptedException {
		LeakyBucket limiter = LeakyBucket.builder(10).slack(slack).clock(this.clock).build();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(limiter.take()).isEqualTo(SECOND);
		this.clock.advance(Duration.ofMillis(-500));
		assertThat(limiter.take()).isEqualTo(SECOND + 100 * MS);
		assertThat(this.clock.nanoTime()).isEqualTo(SECOND + 100 * MS);
	}

	@Test
	void interruptedOnEntryTakesNoSlot() throws InterruptedException {
		LeakyBucket limiter = LeakyBucket.builder(10).clock(this.clock).build();
		Thread.currentThread().interrupt();
		assertThatThrownBy(limiter::take).isInstanceOf(InterruptedException.class);
		assertThat(Thread.interrupted()).isFalse();
		assertThat(limiter.lastSlotNanos()).isEqualTo(Long.MIN_VALUE);
		assertThat(limiter.take()).isZero();
	}

	@Test
	void interruptedWhileWaitingKeepsTheSlot() throws InterruptedException {
		InterruptOnceClock interrupting = new InterruptOnceClock(this.clock);
		LeakyBucket limiter = LeakyBucket.builder(10).clock(interrupting).build();
		assertThat(limiter.take()).isZero();
		interrupting.interruptNextSleep = true;
		assertThatThrownBy(limiter::take).isInstanceOf(InterruptedException.class);
		assertThat(limiter.lastSlotNanos()).isEqualTo(100 * MS);
		assertThat(limiter.take()).isEqualTo(200 * MS);
	}

	private List<Long> gapsBetweenTakes(LeakyBucket limiter, int takes) throws InterruptedException {
		List<Long> gaps = new ArrayList<>();
		long previous = this.clock.nanoTime();
		for (int i = 0; i < takes; i++) {
			long now = limiter.take();
			if (i > 0) {
				gaps.add(now - previous);
			}
			previous = now;
		}
		return gaps;
	}

	private static UnaryOperator<LeakyBucket.Builder> slack(int slack) {
		return (builder) -> builder.slack(slack);
	}

	private static UnaryOperator<LeakyBucket.Builder> and(UnaryOperator<LeakyBucket.Builder> first,
			UnaryOperator<LeakyBucket.Builder> second) {
		return (builder) -> second.apply(first.apply(builder));
	}

	/** A manual clock whose next sleep can be made to fail as if the thread were interrupted while waiting. */
	private static final class InterruptOnceClock implements Clock {

		private final ManualClock delegate;

		private boolean interruptNextSleep;

		InterruptOnceClock(ManualClock delegate) {
			this.delegate = delegate;
		}

		@Override
		public long nanoTime() {
			return this.delegate.nanoTime();
		}

		@Override
		public long currentTimeMillis() {
			return this.delegate.currentTimeMillis();
		}

		@Override
		public void sleep(long nanos) throws InterruptedException {
			if (this.interruptNextSleep) {
				this.interruptNextSleep = false;
				throw new InterruptedException();
			}
			this.delegate.sleep(nanos);
		}

	}

}
