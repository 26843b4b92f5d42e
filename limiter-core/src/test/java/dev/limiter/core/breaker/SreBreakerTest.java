package dev.limiter.core.breaker;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.limiter.core.Clock;
import dev.limiter.core.ManualClock;
import dev.limiter.core.Promise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SreBreakerTest {

	private static final int TEST_BUCKETS = 10;

	private static final Duration TEST_INTERVAL = Duration.ofMillis(10);

	/** A draw that lets any call through: every drop ratio is below 1. */
	private static final double LUCKY_DRAW = 0.999;

	private static final Pattern CALLS = Pattern.compile("(~?)(s|f|S|F)(\\d*)");

	private static final Pattern WAIT = Pattern.compile("([+-]\\d+)(s|ms|ns)");

	private final ManualClock clock = new ManualClock();

	private final Random random = new Random(20240601L);

	private double draw;

	/** go-zero googlebreaker_test.go getGoogleBreaker(): k 5, 10 buckets of 10 ms. */
	private SreBreaker googleBreaker() {
		return SreBreaker.builder("test")
			.k(5)
			.window(TEST_INTERVAL.multipliedBy(TEST_BUCKETS))
			.buckets(TEST_BUCKETS)
			.clock(this.clock)
			.random(this.random::nextDouble)
			.build();
	}

	private void sleep(Duration duration) {
		this.clock.advance(duration);
	}

	/** go-zero markSuccess: allow and accept until a call is dropped. */
	private static void markSuccess(SreBreaker breaker, int count) {
		for (int i = 0; i < count; i++) {
			Promise promise;
			try {
				promise = breaker.allow();
			}
			catch (BreakerOpenException ex) {
				break;
			}
			promise.accept();
		}
	}

	/** go-zero markFailed: allow and reject; drops are recorded by allow. */
	private static void markFailed(SreBreaker breaker, int count) {
		for (int i = 0; i < count; i++) {
			try {
				breaker.allow().reject("failed");
			}
			catch (BreakerOpenException ex) {
				// dropped
			}
		}
	}

	/** go-zero verify: the condition holds in at least 80 of 100 tries. */
	private static void verify(BooleanSupplier condition) {
		int count = 0;
		for (int i = 0; i < 100; i++) {
			if (condition.getAsBoolean()) {
				count++;
			}
		}
		assertThat(count).as("times out of 100").isGreaterThanOrEqualTo(80);
	}

	/**
	 * The table's breaker has the defaults (k 1.5, protection 5, 10 s in 40 buckets of 250 ms) and draws
	 * {@code 0}, so that it drops whenever the ratio is positive, unless an event says otherwise. Events:
	 * {@code s}, {@code f} a call asked for with {@code allow()} that succeeds or fails, a dropped one counted and
	 * not made; {@code ~s}, {@code ~f} the same with draws of 0.999 (a draw lets the call through); {@code S},
	 * {@code F} an outcome recorded without asking (go-zero's markSuccess/markFailure); each with an optional count
	 * ({@code f6}); {@code +1500ms}, {@code -10s}, {@code +1ns} the clock moves; {@code open}, {@code closed},
	 * {@code disable}, {@code reset} the operator controls. Then the state and the drop ratio (rounded to 4 places)
	 * are read, and the calls refused are counted.
	 */
	@ParameterizedTest(name = "[{index}] {0} -> {1}, ratio {2}, {3} dropped")
	@CsvSource(delimiter = '|', textBlock = """
			''                                  | CLOSED        | 0      | 0
			f5                                  | CLOSED        | 0      | 0
			f6                                  | OPEN          | 0.1429 | 0
			f6 s                                | OPEN          | 0.25   | 1
			f6 +9750ms s                        | OPEN          | 0.25   | 1
			f6 +10s                             | CLOSED        | 0      | 0
			f6 +10s f5                          | CLOSED        | 0      | 0
			F20 +10s                            | CLOSED        | 0      | 0
			F20 +10s -10s                       | OPEN          | 0.7143 | 0
			F100 s50                            | OPEN          | 0.9603 | 50
			F100 +1500ms s +1500ms s +1500ms s  | OPEN          | 0.9423 | 3
			s10 F100 +2s s                      | OPEN          | 0.8125 | 1
			F100 ~s                             | OPEN          | 0.9265 | 0
			F100 ~s s                           | OPEN          | 0.9272 | 1
			F100 ~s +1s s                       | OPEN          | 0.9272 | 1
			F100 ~s +1s +1ns s                  | OPEN          | 0.8898 | 0
			F100 ~s +1s +1ns s s                | OPEN          | 0.8906 | 1
			F100 ~s +1s +1ns s s +1001ms s      | OPEN          | 0.855  | 1
			open s2                             | FORCED_OPEN   | 0      | 2
			f6 open s                           | FORCED_OPEN   | 0.1429 | 1
			closed f20                          | FORCED_CLOSED | 0.7143 | 0
			disable f20                         | DISABLED      | 0      | 0
			closed f20 disable f20              | DISABLED      | 0.7143 | 0
			closed f20 reset                    | CLOSED        | 0      | 0
			disable reset f6                    | OPEN          | 0.1429 | 0
			open reset s                        | CLOSED        | 0      | 0
			F100 reset                          | CLOSED        | 0      | 0
			F100 reset f6                       | OPEN          | 0.1429 | 0
			f6 reset s                          | CLOSED        | 0      | 0
			""")
	void stateMachine(String script, BreakerState expected, double dropRatio, int dropped) {
		SreBreaker breaker = SreBreaker.builder("table").clock(this.clock).random(() -> this.draw).build();
		int refused = 0;
		for (String event : script.isBlank() ? new String[0] : script.trim().split("\\s+")) {
			refused += apply(breaker, event);
		}
		assertThat(breaker.state()).isEqualTo(expected);
		assertThat(breaker.dropRatio()).isCloseTo(dropRatio, within(0.00005));
		assertThat(refused).as("dropped").isEqualTo(dropped);
	}

	/** Applies one event of {@link #stateMachine}; returns the number of calls refused. */
	private int apply(SreBreaker breaker, String event) {
		Matcher wait = WAIT.matcher(event);
		if (wait.matches()) {
			long amount = Long.parseLong(wait.group(1));
			this.clock.advance(switch (wait.group(2)) {
				case "s" -> Duration.ofSeconds(amount);
				case "ms" -> Duration.ofMillis(amount);
				default -> Duration.ofNanos(amount);
			});
			return 0;
		}
		switch (event) {
			case "open" -> breaker.forceOpen();
			case "closed" -> breaker.forceClosed();
			case "disable" -> breaker.disable();
			case "reset" -> breaker.reset();
			default -> {
				return calls(breaker, event);
			}
		}
		return 0;
	}

	private int calls(SreBreaker breaker, String event) {
		Matcher calls = CALLS.matcher(event);
		assertThat(calls.matches()).as("event %s", event).isTrue();
		int times = calls.group(3).isEmpty() ? 1 : Integer.parseInt(calls.group(3));
		String kind = calls.group(2);
		this.draw = calls.group(1).isEmpty() ? 0.0 : LUCKY_DRAW;
		int refused = 0;
		for (int i = 0; i < times; i++) {
			switch (kind) {
				case "S" -> breaker.markSuccess();
				case "F" -> breaker.markFailure();
				default -> {
					try {
						Promise promise = breaker.allow();
						if (kind.equals("s")) {
							promise.accept();
						}
						else {
							promise.reject("failed");
						}
					}
					catch (BreakerOpenException ex) {
						refused++;
					}
				}
			}
		}
		this.draw = 0.0;
		return refused;
	}

	@Nested
	class GoogleBreakerTests {

		// go-zero googlebreaker_test.go TestGoogleBreakerClose
		@Test
		void successesKeepItClosed() {
			SreBreaker breaker = googleBreaker();
			markSuccess(breaker, 80);
			assertThat(breaker.accept()).isTrue();
			markSuccess(breaker, 120);
			assertThat(breaker.accept()).isTrue();
			assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerOpen
		@Test
		void failuresOpenIt() {
			SreBreaker breaker = googleBreaker();
			markSuccess(breaker, 10);
			assertThat(breaker.accept()).isTrue();
			markFailed(breaker, 100_000);
			sleep(TEST_INTERVAL.multipliedBy(2));
			verify(() -> !breaker.accept());
			assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerRecover
		@Test
		void workingBucketsLetCallsThroughAgain() {
			SreBreaker breaker = SreBreaker.builder("test")
				.k(1.5)
				.window(TEST_INTERVAL.multipliedBy(TEST_BUCKETS * 2))
				.buckets(TEST_BUCKETS * 2)
				.clock(SreBreakerTest.this.clock)
				.random(SreBreakerTest.this.random::nextDouble)
				.build();
			// go-zero's b.stat.Add(1) is a failure, b.stat.Add(0) a success
			for (int i = 0; i < TEST_BUCKETS; i++) {
				for (int j = 0; j < 100; j++) {
					breaker.markFailure();
				}
				sleep(TEST_INTERVAL);
			}
			for (int i = 0; i < TEST_BUCKETS; i++) {
				for (int j = 0; j < 100; j++) {
					breaker.markSuccess();
				}
				sleep(TEST_INTERVAL);
			}
			verify(breaker::accept);
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerFallback
		@Test
		void droppedCallsRunTheFallback() {
			SreBreaker breaker = googleBreaker();
			markSuccess(breaker, 1);
			assertThat(breaker.accept()).isTrue();
			markFailed(breaker, 10_000);
			sleep(TEST_INTERVAL.multipliedBy(2));
			verify(() -> {
				try {
					return "fallback".equals(breaker.execute(() -> {
						throw new IOException("any");
					}, null, (ex) -> "fallback"));
				}
				catch (Exception ex) {
					return false;
				}
			});
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerReject
		@Test
		void aDroppedCallThrowsBreakerOpenException() {
			SreBreaker breaker = googleBreaker();
			markSuccess(breaker, 100);
			assertThat(breaker.accept()).isTrue();
			markFailed(breaker, 10_000);
			sleep(TEST_INTERVAL);
			// dropped, or permitted and failing with the same kind of exception: either way the caller sees it
			assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(() -> breaker.execute(() -> {
				throw new BreakerOpenException("downstream");
			}));
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerMoreFallingBuckets
		@Test
		void moreFailingBucketsDropMoreCalls() throws Exception {
			SreBreaker breaker = googleBreaker();
			Duration end = TEST_INTERVAL.multipliedBy(6);
			for (Duration elapsed = Duration.ZERO; elapsed.compareTo(end) < 0; elapsed = elapsed.plusMillis(1)) {
				sleep(Duration.ofMillis(1));
				// permitted: the call's own exception; dropped: the fallback's, wrapping the BreakerOpenException
				assertThatThrownBy(() -> breaker.execute(() -> {
					throw new IOException("foo");
				}, null, (ex) -> {
					throw new IllegalStateException(ex);
				})).satisfiesAnyOf((ex) -> assertThat(ex).isExactlyInstanceOf(IOException.class).hasMessage("foo"),
						(ex) -> assertThat(ex).isExactlyInstanceOf(IllegalStateException.class)
							.hasCauseExactlyInstanceOf(BreakerOpenException.class));
			}
			int count = 0;
			AtomicInteger calls = new AtomicInteger();
			for (int i = 0; i < 100; i++) {
				try {
					breaker.execute(() -> {
						calls.incrementAndGet();
						throw new BreakerOpenException("downstream");
					});
				}
				catch (BreakerOpenException ex) {
					count++;
				}
			}
			assertThat(count).isGreaterThan(90);
			assertThat(100 - calls.get()).as("dropped by the breaker").isGreaterThanOrEqualTo(80);
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerAcceptable
		@Test
		void anAcceptableExceptionIsRethrownAndCountsAsSuccess() {
			SreBreaker breaker = googleBreaker();
			IOException acceptable = new IOException("any");
			assertThatThrownBy(() -> breaker.execute(() -> {
				throw acceptable;
			}, (ex) -> ex == acceptable, null)).isSameAs(acceptable);
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(1, 1, 1, 0));
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerNotAcceptable
		@Test
		void anUnacceptableExceptionIsRethrownAndCountsAsFailure() {
			SreBreaker breaker = googleBreaker();
			IOException error = new IOException("any");
			assertThatThrownBy(() -> breaker.execute(() -> {
				throw error;
			}, (ex) -> ex != error, null)).isSameAs(error);
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(0, 1, 0, 1));
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerPanic
		@Test
		void anErrorThrownByTheCallPropagatesAndCountsAsFailure() {
			SreBreaker breaker = googleBreaker();
			AssertionError panic = new AssertionError("fail");
			assertThatThrownBy(() -> breaker.execute(() -> {
				throw panic;
			})).isSameAs(panic);
			IllegalStateException runtime = new IllegalStateException("fail");
			assertThatThrownBy(() -> breaker.execute(() -> {
				throw runtime;
			}, (ex) -> false, (ex) -> "unused")).isSameAs(runtime);
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(0, 2, 0, 1));
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerHalfOpen
		@Test
		void opensOnFailuresAndClosesOnceTheWindowHasPassed() {
			SreBreaker breaker = googleBreaker();
			assertThat(breaker.accept()).isTrue();
			// accept single failed/accept
			markFailed(breaker, 10_000);
			sleep(TEST_INTERVAL.multipliedBy(2));
			verify(() -> !breaker.accept());
			// accept single failed/allow
			markFailed(breaker, 10_000);
			sleep(TEST_INTERVAL.multipliedBy(2));
			verify(() -> {
				try {
					breaker.allow();
					return false;
				}
				catch (BreakerOpenException ex) {
					return true;
				}
			});
			sleep(TEST_INTERVAL.multipliedBy(TEST_BUCKETS));
			// accept single succeed
			assertThat(breaker.accept()).isTrue();
			markSuccess(breaker, 10_000);
			verify(breaker::accept);
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerSelfProtection "total request < 100"
		@Test
		void fewerFailuresThanProtectionDropNothing() {
			SreBreaker breaker = googleBreaker();
			markFailed(breaker, 4);
			sleep(TEST_INTERVAL);
			assertThat(breaker.accept()).isTrue();
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerSelfProtection "total request > 100, total < 2 * success"
		@ParameterizedTest
		@ValueSource(ints = { 0, 1, 99, 5_000, 9_999 })
		void mostlySuccessfulCallsDropNothing(int size) {
			SreBreaker breaker = googleBreaker();
			int accepts = size + 1;
			markSuccess(breaker, accepts);
			markFailed(breaker, size - accepts);
			assertThat(breaker.accept()).isTrue();
		}

		// go-zero googlebreaker_test.go TestGoogleBreakerHistory
		@Test
		void historyCountsAcceptsAndTotal() {
			Duration sleep = TEST_INTERVAL;
			// accepts == total
			SreBreaker breaker = googleBreaker();
			for (int i = 0; i < 10; i++) {
				breaker.markSuccess();
				sleep(sleep.dividedBy(2));
			}
			assertThat(breaker.history().accepts()).isEqualTo(10);
			assertThat(breaker.history().total()).isEqualTo(10);

			// fail == total
			breaker = googleBreaker();
			for (int i = 0; i < 10; i++) {
				breaker.markFailure();
				sleep(sleep.dividedBy(2));
			}
			assertThat(breaker.history().accepts()).isZero();
			assertThat(breaker.history().total()).isEqualTo(10);

			// accepts = 1/2 * total, fail = 1/2 * total
			breaker = googleBreaker();
			for (int i = 0; i < 5; i++) {
				breaker.markFailure();
				sleep(sleep.dividedBy(2));
			}
			for (int i = 0; i < 5; i++) {
				breaker.markSuccess();
				sleep(sleep.dividedBy(2));
			}
			assertThat(breaker.history().accepts()).isEqualTo(5);
			assertThat(breaker.history().total()).isEqualTo(10);

			// auto reset rolling counter
			breaker = googleBreaker();
			sleep(TEST_INTERVAL.multipliedBy(TEST_BUCKETS));
			assertThat(breaker.history().accepts()).isZero();
			assertThat(breaker.history().total()).isZero();
		}

		// go-zero googlebreaker.go history(): working and failing streaks
		@Test
		void historyCountsTrailingWorkingAndFailingBuckets() {
			SreBreaker breaker = googleBreaker();
			breaker.markFailure();
			sleep(TEST_INTERVAL);
			breaker.markSuccess();
			sleep(TEST_INTERVAL);
			breaker.markDrop(); // drop-only bucket: neutral
			sleep(TEST_INTERVAL);
			breaker.markSuccess();
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(2, 4, 2, 0));
			sleep(TEST_INTERVAL);
			breaker.markFailure();
			sleep(TEST_INTERVAL.multipliedBy(2)); // an empty bucket and the current one: neutral
			breaker.markFailure();
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(2, 6, 0, 2));
			breaker.markSuccess(); // a bucket with both ends both streaks
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(3, 7, 0, 0));
		}

	}

	@Nested
	class BreakerApiTests {

		// go-zero breaker_test.go TestCircuitBreaker_Allow "allow"
		@Test
		void allowOnANewBreaker() {
			SreBreaker breaker = SreBreaker.builder("api").build();
			assertThat(breaker.name()).isEqualTo("api");
			assertThatNoException().isThrownBy(breaker::allow);
		}

		// go-zero breaker_test.go TestCircuitBreaker_Do "do"
		@Test
		void executeReturnsTheResult() throws Exception {
			SreBreaker breaker = SreBreaker.builder("api").build();
			assertThat(breaker.execute(() -> "ok")).isEqualTo("ok");
		}

		// go-zero breaker_test.go TestCircuitBreaker_DoWithAcceptable "doWithAcceptable"
		@Test
		void executeWithAcceptable() throws Exception {
			SreBreaker breaker = SreBreaker.builder("api").build();
			assertThat(breaker.execute(() -> "ok", (ex) -> true, null)).isEqualTo("ok");
		}

		// go-zero breaker_test.go TestCircuitBreaker_DoWithFallback "doWithFallback"
		@Test
		void executeWithFallbackRunsTheCallWhileClosed() throws Exception {
			SreBreaker breaker = SreBreaker.builder("api").build();
			assertThat(breaker.execute(() -> "ok", null, (ex) -> "fallback")).isEqualTo("ok");
		}

		// go-zero breaker_test.go TestCircuitBreaker_DoWithFallbackAcceptable "doWithFallbackAcceptable"
		@Test
		void executeWithFallbackAndAcceptable() throws Exception {
			SreBreaker breaker = SreBreaker.builder("api").build();
			assertThat(breaker.execute(() -> "ok", (ex) -> true, (ex) -> "fallback")).isEqualTo("ok");
		}

		@Test
		void allowReturnsOneSharedPromise() {
			SreBreaker breaker = SreBreaker.builder("api").clock(SreBreakerTest.this.clock).build();
			Promise first = breaker.allow();
			Promise second = breaker.allow();
			assertThat(second).isSameAs(first);
			first.accept();
			second.reject("boom");
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(1, 2, 0, 0));
		}

		@Test
		void aDroppedExecuteIsRecordedAndGivesTheFallbackTheException() throws Exception {
			SreBreaker breaker = openBreaker(() -> 0.0);
			long before = breaker.history().total();
			List<Throwable> seen = new ArrayList<>();
			String result = breaker.execute(() -> "called", null, (ex) -> {
				seen.add(ex);
				return "fallback";
			});
			assertThat(result).isEqualTo("fallback");
			assertThat(seen).singleElement()
				.isInstanceOf(BreakerOpenException.class)
				.extracting((ex) -> ((BreakerOpenException) ex).getName())
				.isEqualTo("open");
			assertThat(breaker.history().total()).isEqualTo(before + 1);
			assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(() -> breaker.execute(() -> "called"))
				.withMessageContaining("'open'");
		}

	}

	/** 100 failures in one bucket of the default window (10 s in 40 buckets): K 1.5, protection 5. */
	private SreBreaker openBreaker(DoubleSupplier random) {
		SreBreaker breaker = SreBreaker.builder("open").clock(this.clock).random(random).build();
		for (int i = 0; i < 100; i++) {
			breaker.markFailure();
		}
		return breaker;
	}

	@Test
	void aForcedProbeDrawsNothing() {
		AtomicInteger draws = new AtomicInteger();
		SreBreaker breaker = openBreaker(() -> (draws.incrementAndGet() == 1) ? 0.999 : 0.0);
		assertThat(breaker.accept()).as("let through by the draw").isTrue();
		this.clock.advance(Duration.ofSeconds(1).plusNanos(1));
		assertThat(breaker.accept()).as("forced probe").isTrue();
		assertThat(draws).hasValue(1);
	}

	@Nested
	class FormulaTests {

		@ParameterizedTest
		@ValueSource(ints = { 0, 1, 10, 20, 39 })
		void kFallsFromKToMinKWithFailingBuckets(int failingBuckets) {
			SreBreaker breaker = SreBreaker.builder("k").clock(SreBreakerTest.this.clock).build();
			for (int i = 0; i < 100; i++) {
				breaker.markSuccess();
			}
			for (int bucket = 0; bucket < failingBuckets; bucket++) {
				SreBreakerTest.this.clock.advance(Duration.ofMillis(250));
				for (int i = 0; i < 20; i++) {
					breaker.markFailure();
				}
			}
			long total = 100 + 20L * failingBuckets;
			double w = 1.5 - (1.5 - 1.1) * failingBuckets / 40;
			double expected = Math.max(0, ((double) (total - 5) - w * 100) / (double) (total + 1));
			int working = (failingBuckets == 0) ? 1 : 0;
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(100, total, working, failingBuckets));
			assertThat(breaker.dropRatio()).isEqualTo(expected);
		}

		@Test
		void aSuccessfulBucketEndsTheFailingStreak() {
			SreBreaker breaker = SreBreaker.builder("k").k(3).buckets(4).window(Duration.ofSeconds(4))
				.clock(SreBreakerTest.this.clock).build();
			for (int bucket = 0; bucket < 4; bucket++) {
				breaker.markFailure();
				SreBreakerTest.this.clock.advance(Duration.ofSeconds(1));
			}
			// the oldest failing bucket expires; a success-only bucket follows the remaining failing ones
			breaker.markSuccess();
			SreBreakerTest.this.clock.advance(Duration.ofSeconds(1));
			for (int i = 0; i < 10; i++) {
				breaker.markFailure();
			}
			// visible buckets: F, F, S, F x10 -> the failing streak is 1 (the newest): w = 3 - 1.9 * 1 / 4
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(1, 13, 0, 1));
			double w = 3 - (3 - 1.1) * 1 / 4;
			assertThat(breaker.dropRatio()).isEqualTo((13 - 5 - w * 1) / 14);
		}

		@ParameterizedTest
		@ValueSource(ints = { 1, 4, 20, 39 })
		void workingBucketsScaleTheRatioDown(int workingBuckets) {
			SreBreaker breaker = SreBreaker.builder("r").clock(SreBreakerTest.this.clock).build();
			for (int i = 0; i < 1000; i++) {
				breaker.markFailure();
			}
			for (int bucket = 0; bucket < workingBuckets; bucket++) {
				SreBreakerTest.this.clock.advance(Duration.ofMillis(250));
				for (int i = 0; i < 10; i++) {
					breaker.markSuccess();
				}
			}
			long total = 1000 + 10L * workingBuckets;
			long accepts = 10L * workingBuckets;
			assertThat(breaker.history()).isEqualTo(new SreBreaker.History(accepts, total, workingBuckets, 0));
			double base = ((double) (total - 5) - 1.5 * accepts) / (double) (total + 1);
			assertThat(breaker.dropRatio()).isEqualTo(base * ((double) (40 - workingBuckets) / 40));
		}

		@Test
		void theDrawIsComparedWithTheRatio() {
			// ratio = (100 - 5) / 101 with no working bucket
			double ratio = 95.0 / 101;
			SreBreaker below = openBreaker(() -> Math.nextDown(ratio));
			assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(below::allow);
			SreBreaker at = openBreaker(() -> ratio);
			assertThatNoException().isThrownBy(at::allow);
		}

	}

	@Nested
	class StateAndListenerTests {

		@Test
		void stateFollowsTheDropRatioAndListenersHearChangesAndDrops() {
			List<String> events = new ArrayList<>();
			SreBreaker breaker = SreBreaker.builder("s").clock(SreBreakerTest.this.clock).random(() -> 0.0)
				.listener(new BreakerListener() {
					@Override
					public void onStateChange(Breaker source, BreakerState from, BreakerState to) {
						events.add(source.name() + ":" + from + "->" + to);
					}

					@Override
					public void onDrop(Breaker source) {
						events.add(source.name() + ":drop");
					}
				})
				.build();
			assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
			assertThat(breaker.dropRatio()).isZero();
			for (int i = 0; i < 6; i++) {
				breaker.allow().reject("boom");
			}
			assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(breaker::allow);
			assertThat(events).containsExactly("s:CLOSED->OPEN", "s:drop");
			assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
			SreBreakerTest.this.clock.advance(Duration.ofSeconds(10));
			breaker.allow();
			assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
			assertThat(events).containsExactly("s:CLOSED->OPEN", "s:drop", "s:OPEN->CLOSED");
		}

		@Test
		void operatorControlsAndResetAreHeardAndAForcedOpenBreakerFallsBack() throws Exception {
			List<String> events = new ArrayList<>();
			SreBreaker breaker = openBreaker(() -> 0.0);
			breaker.addListener(new BreakerListener() {
				@Override
				public void onStateChange(Breaker source, BreakerState from, BreakerState to) {
					events.add(from + "->" + to);
				}
			});
			assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
			breaker.reset();
			breaker.forceOpen();
			assertThat(breaker.execute(() -> "called", null, (ex) -> "fallback")).isEqualTo("fallback");
			breaker.forceClosed();
			breaker.disable();
			breaker.reset();
			assertThat(events).containsExactly("CLOSED->OPEN", "OPEN->CLOSED", "CLOSED->FORCED_OPEN",
					"FORCED_OPEN->FORCED_CLOSED", "FORCED_CLOSED->DISABLED", "DISABLED->CLOSED");
		}

		@Test
		void aFailingListenerDoesNotBreakCallsAndCanBeRemoved() {
			AtomicInteger drops = new AtomicInteger();
			BreakerListener failing = new BreakerListener() {
				@Override
				public void onDrop(Breaker source) {
					drops.incrementAndGet();
					throw new IllegalStateException("listener bug");
				}
			};
			SreBreaker breaker = openBreaker(() -> 0.0);
			breaker.addListener(failing);
			assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(breaker::allow);
			breaker.removeListener(failing);
			assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(breaker::allow);
			assertThat(drops).hasValue(1);
		}

	}

	@Nested
	class FastPathTests {

		@Test
		void whileAtMostProtectionCallsFailedAClosedBreakerPermitsWithoutReadingTheClock() {
			AtomicInteger reads = new AtomicInteger();
			Clock counting = new Clock() {
				@Override
				public long nanoTime() {
					reads.incrementAndGet();
					return SreBreakerTest.this.clock.nanoTime();
				}

				@Override
				public long currentTimeMillis() {
					return SreBreakerTest.this.clock.currentTimeMillis();
				}

				@Override
				public void sleep(long nanos) throws InterruptedException {
					SreBreakerTest.this.clock.sleep(nanos);
				}
			};
			SreBreaker breaker = SreBreaker.builder("fast").clock(counting).random(() -> 0.0).build();
			for (int i = 0; i < 5; i++) {
				breaker.allow().reject("down");
			}
			int before = reads.get();
			Promise promise = breaker.allow();
			assertThat(reads.get()).as("clock readings to permit").isEqualTo(before);
			promise.reject("down"); // the sixth failure, one more than the protection
			assertThatExceptionOfType(BreakerOpenException.class).isThrownBy(breaker::allow);
			assertThat(reads.get()).as("clock readings to record and to drop").isEqualTo(before + 2);
		}

		@Test
		void outcomesRecordedConcurrentlyWhileBucketsRotateAreAllCounted() throws InterruptedException {
			SreBreaker breaker = SreBreaker.builder("concurrent").clock(SreBreakerTest.this.clock).build();
			int threads = 4;
			int operations = 20_000;
			List<Thread> workers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				boolean ticking = t == 0;
				workers.add(new Thread(() -> {
					for (int i = 0; i < operations; i++) {
						if (ticking && i % 100 == 0) {
							SreBreakerTest.this.clock.advance(Duration.ofMillis(10)); // 2 s in all: 8 new buckets
						}
						if (i % 10 == 0) {
							breaker.markFailure();
						}
						else {
							breaker.markSuccess();
						}
					}
				}));
			}
			workers.forEach(Thread::start);
			for (Thread worker : workers) {
				worker.join();
			}
			long failures = threads * (long) operations / 10;
			assertThat(breaker.history().accepts()).isEqualTo(threads * (long) operations - failures);
			assertThat(breaker.history().total()).isEqualTo(threads * (long) operations);
		}

	}

	@Nested
	class BuilderTests {

		@Test
		void invalidValuesAreRejectedWithTheRule() {
			assertThatIllegalArgumentException().isThrownBy(() -> SreBreaker.builder(""))
				.withMessage("name must not be empty");
			assertThatIllegalArgumentException().isThrownBy(() -> SreBreaker.builder("b").k(1.0))
				.withMessage("k must be >= 1.1 and finite (was 1.0)");
			assertThatIllegalArgumentException().isThrownBy(() -> SreBreaker.builder("b").k(Double.NaN))
				.withMessage("k must be >= 1.1 and finite (was NaN)");
			assertThatIllegalArgumentException().isThrownBy(() -> SreBreaker.builder("b").k(Double.POSITIVE_INFINITY))
				.withMessageStartingWith("k must be >= 1.1 and finite");
			assertThatIllegalArgumentException().isThrownBy(() -> SreBreaker.builder("b").protection(-1))
				.withMessage("protection must be >= 0 (was -1)");
			assertThatIllegalArgumentException().isThrownBy(() -> SreBreaker.builder("b").window(Duration.ZERO))
				.withMessage("window must be > 0 (was PT0S)");
			assertThatIllegalArgumentException().isThrownBy(() -> SreBreaker.builder("b").buckets(0))
				.withMessage("buckets must be > 0 (was 0)");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> SreBreaker.builder("b").window(Duration.ofNanos(39)).buckets(40).build())
				.withMessage("window must be at least 1ns per bucket (was PT0.000000039S for 40 buckets)");
		}

		@Test
		void defaultsAreGoZeros() {
			assertThat(SreBreaker.builder("b").build())
				.hasToString("SreBreaker[name=b, k=1.5, protection=5, window=PT10S, buckets=40]");
		}

	}

	@Test
	void thePermittedPathAllocatesNothing() {
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();
		SreBreaker breaker = SreBreaker.builder("alloc").clock(this.clock).build();
		Runnable calls = () -> {
			for (int i = 0; i < 100_000; i++) {
				this.clock.advanceNanos(1_000_000);
				Promise promise = breaker.allow();
				if ((i & 7) == 0) {
					promise.reject("failed");
				}
				else {
					promise.accept();
				}
			}
		};
		calls.run();
		long threadId = Thread.currentThread().getId();
		// the least of three rounds: a one-off allocation (a JIT deoptimisation while other tests load the
		// machine) is not a per-call one
		long allocated = Long.MAX_VALUE;
		for (int round = 0; round < 3; round++) {
			long before = threads.getThreadAllocatedBytes(threadId);
			calls.run();
			allocated = Math.min(allocated, threads.getThreadAllocatedBytes(threadId) - before);
		}
		assertThat(allocated).as("bytes allocated by 100k allow + accept/reject").isLessThan(1024);
	}

}
