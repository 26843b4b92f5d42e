package dev.limiter.core.breaker;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.limiter.core.ManualClock;
import dev.limiter.core.Promise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ThresholdBreakerTest {

	private static final Pattern REPEAT = Pattern.compile("(s|f|slow|lost)(\\d*)");

	private static final Pattern WAIT = Pattern.compile("\\+(\\d+)(s|ms)");

	private final ManualClock clock = new ManualClock();

	private final List<String> events = new ArrayList<>();

	private final AtomicInteger drops = new AtomicInteger();

	private final BreakerListener recorder = new BreakerListener() {

		@Override
		public void onStateChange(Breaker breaker, BreakerState from, BreakerState to) {
			ThresholdBreakerTest.this.events.add(from + "->" + to);
		}

		@Override
		public void onDrop(Breaker breaker) {
			ThresholdBreakerTest.this.drops.incrementAndGet();
		}

	};

	/**
	 * The table's breaker: trips at 50 % failures or 50 % slow calls (> 1 s) once 4 calls are in the 10 s window;
	 * open 5 s; 2 half-open probes that time out after 3 s.
	 */
	private ThresholdBreaker tableBreaker() {
		return ThresholdBreaker.builder("table")
			.failureRateThreshold(0.5)
			.slowCallRateThreshold(0.5)
			.slowCallDuration(Duration.ofSeconds(1))
			.window(Duration.ofSeconds(10))
			.buckets(10)
			.minimumCalls(4)
			.openDuration(Duration.ofSeconds(5))
			.halfOpenCalls(2)
			.probeTimeout(Duration.ofSeconds(3))
			.clock(this.clock)
			.listener(this.recorder)
			.build();
	}

	/**
	 * Events: {@code s} a successful call, {@code f} a failed call, {@code slow} a successful call that takes 2 s,
	 * {@code lost} a permitted call never reported (each with an optional count, {@code f4}); {@code +5s},
	 * {@code +300ms} the clock moves; {@code open}, {@code closed}, {@code disable}, {@code reset} the operator
	 * controls. A dropped call is counted and not made.
	 */
	@ParameterizedTest(name = "[{index}] {0} -> {1}, {2} dropped")
	@CsvSource(delimiter = '|', textBlock = """
			''                   | CLOSED        | 0
			f3                   | CLOSED        | 0
			f4                   | OPEN          | 0
			s2 f2                | OPEN          | 0
			s3 f1                | CLOSED        | 0
			s3 f2                | CLOSED        | 0
			s2 f1 f1             | OPEN          | 0
			lost f4              | OPEN          | 0
			f2 +9s f2            | OPEN          | 0
			f2 +10s f2           | CLOSED        | 0
			f2 +10s f2 +9s f2    | OPEN          | 0
			slow2 s2             | OPEN          | 0
			slow1 s3             | CLOSED        | 0
			f4 s2                | OPEN          | 2
			f4 +4999ms s         | OPEN          | 1
			f4 +5s               | HALF_OPEN     | 0
			f4 +5s s             | HALF_OPEN     | 0
			f4 +5s s s           | CLOSED        | 0
			f4 +5s f             | OPEN          | 0
			f4 +5s s f           | OPEN          | 0
			f4 +5s slow          | OPEN          | 0
			f4 +5s lost lost s   | HALF_OPEN     | 1
			f4 +5s lost +2999ms  | HALF_OPEN     | 0
			f4 +5s lost +3s      | OPEN          | 0
			f4 +5s lost +3s s    | OPEN          | 1
			f4 +5s lost +2s s    | HALF_OPEN     | 0
			f4 +5s f +5s s s     | CLOSED        | 0
			f4 +5s s s f3        | CLOSED        | 0
			f4 +5s s s f4        | OPEN          | 0
			open s2              | FORCED_OPEN   | 2
			f4 open +10s s       | FORCED_OPEN   | 1
			closed f10           | FORCED_CLOSED | 0
			disable f10          | DISABLED      | 0
			f4 reset s           | CLOSED        | 0
			closed f4 reset f3   | CLOSED        | 0
			disable reset f4     | OPEN          | 0
			open reset s3 f1     | CLOSED        | 0
			""")
	void stateMachine(String script, BreakerState expected, int dropped) {
		ThresholdBreaker breaker = tableBreaker();
		for (String event : script.isBlank() ? new String[0] : script.trim().split("\\s+")) {
			apply(breaker, event);
		}
		assertThat(breaker.state()).isEqualTo(expected);
		assertThat(this.drops).hasValue(dropped);
	}

	private void apply(ThresholdBreaker breaker, String event) {
		Matcher wait = WAIT.matcher(event);
		if (wait.matches()) {
			long amount = Long.parseLong(wait.group(1));
			this.clock.advance(wait.group(2).equals("s") ? Duration.ofSeconds(amount) : Duration.ofMillis(amount));
			return;
		}
		switch (event) {
			case "open" -> breaker.forceOpen();
			case "closed" -> breaker.forceClosed();
			case "disable" -> breaker.disable();
			case "reset" -> breaker.reset();
			default -> {
				Matcher call = REPEAT.matcher(event);
				assertThat(call.matches()).as("event %s", event).isTrue();
				int times = call.group(2).isEmpty() ? 1 : Integer.parseInt(call.group(2));
				for (int i = 0; i < times; i++) {
					long token = breaker.tryAcquire();
					if (token < 0) {
						continue;
					}
					switch (call.group(1)) {
						case "s" -> breaker.onResult(token, true);
						case "f" -> breaker.onResult(token, false);
						case "slow" -> {
							this.clock.advance(Duration.ofSeconds(2));
							breaker.onResult(token, true);
						}
						default -> {
							// lost: never reported
						}
					}
				}
			}
		}
	}

	@Test
	void defaultsAreResilience4jLike() {
		assertThat(ThresholdBreaker.builder("d").build()).hasToString("ThresholdBreaker[name=d, state=CLOSED, "
				+ "failureRateThreshold=0.5, slowCallRateThreshold=1.0, slowCallDuration=PT1M, window=PT10S in 10 "
				+ "buckets, minimumCalls=10, openDuration=PT1M, halfOpenCalls=10, probeTimeout=PT1M]");
	}

	@Test
	void ratesAreMinusOneBelowMinimumCallsThenMeasuredOverTheWindow() {
		ThresholdBreaker breaker = tableBreaker();
		call(breaker, false);
		call(breaker, true);
		call(breaker, true);
		assertThat(breaker.failureRate()).isEqualTo(-1);
		assertThat(breaker.slowCallRate()).isEqualTo(-1);
		call(breaker, true);
		assertThat(breaker.windowCalls()).isEqualTo(4);
		assertThat(breaker.failureRate()).isEqualTo(0.25);
		assertThat(breaker.slowCallRate()).isEqualTo(0);
		this.clock.advance(Duration.ofSeconds(10));
		assertThat(breaker.windowCalls()).isZero();
	}

	@Test
	void minimumCallsCountsOnlyCallsStillInTheWindow() {
		ThresholdBreaker breaker = tableBreaker();
		for (int second = 0; second < 30; second++) {
			call(breaker, false); // one failure every 4 s: never 4 in a 10 s window
			this.clock.advance(Duration.ofSeconds(4));
			assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
		}
	}

	@Test
	void windowSlidesOneBucketAtATime() {
		ThresholdBreaker breaker = tableBreaker();
		call(breaker, false);
		call(breaker, false); // bucket 0
		this.clock.advance(Duration.ofMillis(9500));
		call(breaker, true); // bucket 9
		assertThat(breaker.windowCalls()).isEqualTo(3);
		this.clock.advance(Duration.ofMillis(500)); // bucket 10: bucket 0 leaves the window
		assertThat(breaker.windowCalls()).isEqualTo(1);
		call(breaker, true);
		call(breaker, true);
		call(breaker, false);
		call(breaker, false);
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED); // 2 of 5
		call(breaker, false);
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN); // 3 of 6
	}

	@Test
	void frequentSuccessesReadTheClockRarelyButNeverLeaveTheWindowEarly() {
		ThresholdBreaker breaker = tableBreaker();
		this.clock.advance(Duration.ofMillis(500));
		for (int i = 0; i < 1000; i++) {
			call(breaker, true); // 1000 successes from 0.5 s to 1.499 s
			this.clock.advance(Duration.ofMillis(1));
		}
		this.clock.advance(Duration.ofMillis(10_600 - 1500));
		assertThat(breaker.windowCalls()).isBetween(500L, 563L); // truly 500: those from 1.0 s on
		this.clock.advance(Duration.ofMillis(400));
		assertThat(breaker.windowCalls()).isBetween(0L, 63L);
		this.clock.advance(Duration.ofSeconds(10));
		assertThat(breaker.windowCalls()).isZero();
	}

	@Test
	void rareSuccessesAreCountedExactly() {
		ThresholdBreaker breaker = tableBreaker();
		for (int i = 0; i < 30; i++) {
			call(breaker, true); // one every 500 ms: each reads the clock
			this.clock.advance(Duration.ofMillis(500));
			long oldestBucketStartMillis = ((i + 1) * 500L / 1000 - 9) * 1000;
			long inWindow = IntStream.rangeClosed(0, i)
				.filter((k) -> k * 500L >= oldestBucketStartMillis)
				.count();
			assertThat(breaker.windowCalls()).isEqualTo(inWindow);
		}
	}

	@Test
	void slowCallsAreCallsLongerThanTheSlowCallDurationWhateverTheirOutcome() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("slow")
			.failureRateThreshold(1.0)
			.slowCallRateThreshold(0.75)
			.slowCallDuration(Duration.ofMillis(100))
			.minimumCalls(4)
			.clock(this.clock)
			.build();
		timedCall(breaker, Duration.ofMillis(100), true); // exactly the slow-call duration: not slow
		timedCall(breaker, Duration.ofMillis(101), false);
		timedCall(breaker, Duration.ofMillis(150), true);
		timedCall(breaker, Duration.ofSeconds(5), true);
		assertThat(breaker.slowCallRate()).isEqualTo(0.75);
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
	}

	@Test
	void slowCallDetectionIsOffAtRateOne() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("off")
			.slowCallDuration(Duration.ofMillis(1))
			.minimumCalls(2)
			.clock(this.clock)
			.build();
		for (int i = 0; i < 5; i++) {
			timedCall(breaker, Duration.ofSeconds(1), true);
		}
		assertThat(breaker.slowCallRate()).isZero();
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
	}

	@Test
	void callDurationsSurviveNegativeClockReadings() {
		this.clock.advance(Duration.ofSeconds(-1000));
		ThresholdBreaker breaker = ThresholdBreaker.builder("negative")
			.slowCallRateThreshold(0.5)
			.slowCallDuration(Duration.ofMillis(100))
			.minimumCalls(2)
			.clock(this.clock)
			.build();
		timedCall(breaker, Duration.ofMillis(50), true);
		timedCall(breaker, Duration.ofMillis(150), true);
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
	}

	@Test
	void timeGoingBackwardsCountsAsAFastCallAndKeepsTheWindow() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("backwards")
			.slowCallRateThreshold(0.5)
			.slowCallDuration(Duration.ofMillis(100))
			.minimumCalls(3)
			.clock(this.clock)
			.build();
		this.clock.advance(Duration.ofSeconds(5));
		call(breaker, true);
		long token = breaker.tryAcquire();
		this.clock.advance(Duration.ofSeconds(-3));
		breaker.onResult(token, true);
		assertThat(breaker.windowCalls()).isEqualTo(2);
		call(breaker, true);
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
		assertThat(breaker.slowCallRate()).isZero();
	}

	@Test
	void halfOpenPermitsOnlyTheConfiguredProbes() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("probes")
			.minimumCalls(1)
			.halfOpenCalls(3)
			.openDuration(Duration.ofSeconds(1))
			.clock(this.clock)
			.build();
		call(breaker, false);
		this.clock.advance(Duration.ofSeconds(1));
		long[] probes = { breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire() };
		assertThat(probes).doesNotContain(ThresholdBreaker.REJECTED);
		assertThat(breaker.tryAcquire()).isEqualTo(ThresholdBreaker.REJECTED);
		assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
		breaker.onResult(probes[0], true);
		breaker.onResult(probes[0], false); // reported twice: ignored
		breaker.onResult(probes[1], true);
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED); // 2 of 3 succeeded: 50 % cannot be reached
		breaker.onResult(probes[2], false); // late probe of an old generation: ignored
		assertThat(breaker.windowCalls()).isZero();
	}

	@Test
	void lostProbeTimesOutAsAFailureSoTheBreakerCannotWedge() {
		// Resilience4j issue #903: a permitted half-open call that never completes kept the breaker half-open
		ThresholdBreaker breaker = ThresholdBreaker.builder("wedge")
			.minimumCalls(1)
			.halfOpenCalls(1)
			.openDuration(Duration.ofSeconds(10))
			.probeTimeout(Duration.ofSeconds(2))
			.clock(this.clock)
			.listener(this.recorder)
			.build();
		call(breaker, false);
		this.clock.advance(Duration.ofSeconds(10));
		long lost = breaker.tryAcquire();
		assertThat(lost).isNotNegative();
		this.clock.advance(Duration.ofMillis(1999));
		assertThat(breaker.tryAcquire()).isNegative();
		this.clock.advance(Duration.ofMillis(1));
		assertThat(breaker.tryAcquire()).isNegative(); // the lost probe failed: open again for 10 s
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
		this.clock.advance(Duration.ofSeconds(10));
		breaker.onResult(lost, true); // its late report belongs to an old generation
		assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
		call(breaker, true);
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
		assertThat(this.events).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN",
				"OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
	}

	@Test
	void callsAreRefusedWhileEveryProbeIsOutUntilOneTimesOut() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("out")
			.minimumCalls(1)
			.halfOpenCalls(4)
			.failureRateThreshold(0.5)
			.openDuration(Duration.ofSeconds(1))
			.probeTimeout(Duration.ofSeconds(2))
			.clock(this.clock)
			.listener(this.recorder)
			.build();
		call(breaker, false);
		this.clock.advance(Duration.ofSeconds(1));
		long first = breaker.tryAcquire();
		this.clock.advance(Duration.ofMillis(500));
		long[] others = { breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire() };
		assertThat(others).doesNotContain(ThresholdBreaker.REJECTED);
		assertThat(first).isNotNegative();
		breaker.onResult(first, true);
		this.clock.advance(Duration.ofMillis(1999));
		assertThat(breaker.tryAcquire()).isNegative();
		this.clock.advance(Duration.ofMillis(1)); // the three others time out: 3 of 4 failed
		assertThat(breaker.tryAcquire()).isNegative();
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
		assertThat(this.drops).hasValue(2);
	}

	@Test
	void probeReportedAfterItsTimeoutCountsAsFailed() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("late")
			.minimumCalls(1)
			.halfOpenCalls(1)
			.openDuration(Duration.ofSeconds(1))
			.probeTimeout(Duration.ofSeconds(1))
			.clock(this.clock)
			.build();
		call(breaker, false);
		this.clock.advance(Duration.ofSeconds(1));
		long probe = breaker.tryAcquire();
		this.clock.advance(Duration.ofSeconds(1));
		breaker.onResult(probe, true);
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
	}

	@Test
	void callPermittedWhileClosedAndReportedAfterTrippingIsIgnored() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("stale")
			.minimumCalls(2)
			.halfOpenCalls(1)
			.openDuration(Duration.ofSeconds(1))
			.clock(this.clock)
			.build();
		long slowToReport = breaker.tryAcquire();
		call(breaker, false);
		call(breaker, false);
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
		this.clock.advance(Duration.ofSeconds(1));
		long probe = breaker.tryAcquire();
		breaker.onResult(slowToReport, false); // not a probe: must not decide the half-open round
		assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
		breaker.onResult(probe, true);
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
	}

	@Test
	void forcedStatesIgnoreThresholdsUntilReset() {
		ThresholdBreaker breaker = tableBreaker();
		breaker.forceClosed();
		for (int i = 0; i < 10; i++) {
			call(breaker, false);
		}
		assertThat(breaker.state()).isEqualTo(BreakerState.FORCED_CLOSED);
		assertThat(breaker.failureRate()).isEqualTo(1.0); // still recorded
		breaker.disable();
		call(breaker, false);
		assertThat(breaker.windowCalls()).isEqualTo(10); // nothing recorded while disabled
		breaker.forceOpen();
		assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(breaker::allow)
			.withMessage("Circuit breaker 'table' is open and dropped the call");
		this.clock.advance(Duration.ofHours(1));
		assertThat(breaker.state()).isEqualTo(BreakerState.FORCED_OPEN);
		breaker.reset();
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
		assertThat(breaker.windowCalls()).isZero();
		assertThat(this.events).containsExactly("CLOSED->FORCED_CLOSED", "FORCED_CLOSED->DISABLED",
				"DISABLED->FORCED_OPEN", "FORCED_OPEN->CLOSED");
		assertThat(this.drops).hasValue(1);
	}

	@Test
	void listenersCanBeAddedAndRemovedAndTheirExceptionsAreIgnored() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("listeners").minimumCalls(1).clock(this.clock).build();
		breaker.addListener(new BreakerListener() {

			@Override
			public void onStateChange(Breaker source, BreakerState from, BreakerState to) {
				throw new IllegalStateException("broken listener");
			}

			@Override
			public void onDrop(Breaker source) {
				throw new IllegalStateException("broken listener");
			}

		});
		breaker.addListener(this.recorder);
		call(breaker, false);
		assertThat(breaker.tryAcquire()).isNegative();
		breaker.removeListener(this.recorder);
		assertThat(breaker.tryAcquire()).isNegative();
		breaker.reset();
		assertThat(this.events).containsExactly("CLOSED->OPEN");
		assertThat(this.drops).hasValue(1);
	}

	@Test
	void allowReturnsPromisesThatReport() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("promise").minimumCalls(2).clock(this.clock).build();
		Promise first = breaker.allow();
		Promise second = breaker.allow();
		assertThat(first).isSameAs(second); // untimed closed permits share one promise
		second.accept();
		first.reject("boom");
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
		assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(breaker::allow)
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("promise"));
	}

	@Test
	void executeReturnsOrRethrowsTheCallsOwnOutcome() throws Exception {
		ThresholdBreaker breaker = ThresholdBreaker.builder("execute").minimumCalls(2).clock(this.clock).build();
		assertThat(breaker.execute(() -> "ok")).isEqualTo("ok");
		IOException failure = new IOException("down");
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> breaker.execute(() -> {
			throw failure;
		})).isSameAs(failure);
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN); // 1 of 2 failed reaches the 50 % threshold
	}

	@Test
	void executeCountsAcceptableExceptionsAsSuccessAndFallsBackWhenDropped() throws Exception {
		ThresholdBreaker breaker = ThresholdBreaker.builder("fallback").minimumCalls(2).clock(this.clock).build();
		IllegalArgumentException notFound = new IllegalArgumentException("not found");
		for (int i = 0; i < 2; i++) {
			assertThatIllegalArgumentException().isThrownBy(() -> breaker.execute(() -> {
				throw notFound;
			}, IllegalArgumentException.class::isInstance, null));
		}
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
		for (int i = 0; i < 2; i++) {
			assertThatExceptionOfType(IOException.class).isThrownBy(() -> breaker.execute(() -> {
				throw new IOException("down");
			}, IllegalArgumentException.class::isInstance, null));
		}
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
		AtomicInteger made = new AtomicInteger();
		String result = breaker.execute(() -> "made " + made.incrementAndGet(), null,
				(ex) -> "fallback: " + ex.getClass().getSimpleName());
		assertThat(result).isEqualTo("fallback: BreakerOpenException");
		assertThat(made).hasValue(0);
		assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(() -> breaker.execute(() -> "x"));
	}

	@Test
	void builderRejectsInvalidValuesNamingThem() {
		ThresholdBreaker.Builder builder = ThresholdBreaker.builder("invalid");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.failureRateThreshold(0))
			.withMessage("failureRateThreshold must be in (0, 1] (was 0.0)");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.slowCallRateThreshold(1.5))
			.withMessage("slowCallRateThreshold must be in (0, 1] (was 1.5)");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.failureRateThreshold(Double.NaN))
			.withMessage("failureRateThreshold must be in (0, 1] (was NaN)");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.window(Duration.ZERO))
			.withMessage("window must be at least PT0.000000001S (was PT0S)");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.openDuration(Duration.ofSeconds(-1)))
			.withMessage("openDuration must be at least PT0.000000001S (was PT-1S)");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.slowCallDuration(Duration.ofNanos(999)))
			.withMessage("slowCallDuration must be at least PT0.000001S (was PT0.000000999S)");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.probeTimeout(Duration.ZERO))
			.withMessage("probeTimeout must be at least PT0.000000001S (was PT0S)");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.minimumCalls(0))
			.withMessage("minimumCalls must be >= 1 (was 0)");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.halfOpenCalls(1024))
			.withMessage("halfOpenCalls must be in [1, 1023] (was 1024)");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.buckets(0))
			.withMessage("buckets must be in [1, 1000] (was 0)");
		assertThatIllegalArgumentException().isThrownBy(() -> ThresholdBreaker.builder(" "))
			.withMessage("name must not be blank");
	}

	@Test
	void hugeDurationsSaturate() {
		ThresholdBreaker breaker = ThresholdBreaker.builder("huge")
			.minimumCalls(1)
			.openDuration(Duration.ofSeconds(Long.MAX_VALUE))
			.clock(this.clock)
			.build();
		call(breaker, false);
		this.clock.advance(Duration.ofDays(365 * 50));
		assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
	}

	@Test
	void concurrentClosedCallsAreAllCounted() throws InterruptedException {
		ThresholdBreaker breaker = ThresholdBreaker.builder("concurrent")
			.window(Duration.ofHours(1))
			.buckets(1)
			.failureRateThreshold(1.0)
			.build();
		int threads = 4;
		int perThread = 20_000;
		CountDownLatch done = new CountDownLatch(threads);
		for (int t = 0; t < threads; t++) {
			new Thread(() -> {
				for (int i = 0; i < perThread; i++) {
					breaker.onResult(breaker.tryAcquire(), (i % 2) == 0);
				}
				done.countDown();
			}).start();
		}
		done.await();
		assertThat(breaker.windowCalls()).isEqualTo(threads * perThread);
		assertThat(breaker.failureRate()).isEqualTo(0.5);
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
	}

	@Test
	void concurrentCallersGetExactlyTheHalfOpenProbes() throws InterruptedException {
		ThresholdBreaker breaker = ThresholdBreaker.builder("probes")
			.minimumCalls(1)
			.halfOpenCalls(7)
			.openDuration(Duration.ofSeconds(1))
			.clock(this.clock)
			.build();
		call(breaker, false);
		this.clock.advance(Duration.ofSeconds(1));
		AtomicInteger permitted = new AtomicInteger();
		int threads = 4;
		CountDownLatch done = new CountDownLatch(threads);
		for (int t = 0; t < threads; t++) {
			new Thread(() -> {
				for (int i = 0; i < 1000; i++) {
					if (breaker.tryAcquire() >= 0) {
						permitted.incrementAndGet();
					}
				}
				done.countDown();
			}).start();
		}
		done.await();
		assertThat(permitted).hasValue(7);
		assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
	}

	@Test
	void anIgnoredCallRecordsNoOutcome() {
		ThresholdBreaker breaker = tableBreaker();
		for (int i = 0; i < 10; i++) {
			breaker.allow().ignore();
		}
		assertThat(breaker.windowCalls()).isZero();
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
	}

	@Test
	void anIgnoredProbeFreesItsSlotAndDecidesNothing() {
		ThresholdBreaker breaker = tableBreaker();
		for (int i = 0; i < 4; i++) {
			call(breaker, false);
		}
		this.clock.advance(Duration.ofSeconds(5));
		Promise first = breaker.allow();
		Promise second = breaker.allow();
		assertThatExceptionOfType(BreakerOpenException.class).as("both probes out").isThrownBy(breaker::allow);
		first.ignore();
		assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
		Promise third = breaker.allow();
		assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(breaker::allow);
		second.accept();
		third.accept();
		assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
	}

	@Test
	void openTimeRemainingCountsDownTheOpenDurationThenTheProbes() {
		ThresholdBreaker breaker = tableBreaker();
		assertThat(breaker.openTimeRemaining()).as("closed").isZero();
		for (int i = 0; i < 4; i++) {
			call(breaker, false);
		}
		assertThat(breaker.openTimeRemaining()).isEqualTo(Duration.ofSeconds(5));
		this.clock.advance(Duration.ofMillis(3700));
		assertThat(breaker.openTimeRemaining()).isEqualTo(Duration.ofMillis(1300));
		this.clock.advance(Duration.ofMillis(1300));
		assertThat(breaker.openTimeRemaining()).as("due for half-open").isZero();
		breaker.allow();
		assertThat(breaker.openTimeRemaining()).as("a probe slot is free").isZero();
		this.clock.advance(Duration.ofSeconds(1));
		breaker.allow();
		assertThat(breaker.openTimeRemaining()).as("until the first probe times out")
			.isEqualTo(Duration.ofSeconds(2));
		breaker.forceOpen();
		assertThat(breaker.openTimeRemaining()).as("forced open has no end").isZero();
	}

	@Test
	void negativeTokensAreIgnored() {
		ThresholdBreaker breaker = tableBreaker();
		breaker.onResult(ThresholdBreaker.REJECTED, false);
		breaker.onResult(Long.MIN_VALUE, false);
		assertThat(breaker.windowCalls()).isZero();
	}

	private void call(ThresholdBreaker breaker, boolean success) {
		long token = breaker.tryAcquire();
		assertThat(token).as("permitted").isNotNegative();
		breaker.onResult(token, success);
	}

	private void timedCall(ThresholdBreaker breaker, Duration duration, boolean success) {
		long token = breaker.tryAcquire();
		assertThat(token).as("permitted").isNotNegative();
		this.clock.advance(duration);
		breaker.onResult(token, success);
	}

}
