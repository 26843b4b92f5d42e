package dev.limiter.core.bucket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.limiter.core.Clock;
import dev.limiter.core.ManualClock;
import dev.limiter.core.bucket.TokenBucket.Ticket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * x/time {@code rate/rate_test.go} ported: every test names the Go test it comes from. Instants are explicit
 * nanoseconds {@code tK = T0 + K * D} with {@code D = 100ms} and {@code T0} a non-zero offset; waits run on a
 * {@link ManualClock} instead of timers, and a context deadline becomes {@code maxWait}. Not ported: the
 * {@code Sometimes} tests (a Go-only helper) and the benchmarks.
 */
class TokenBucketTest {

	private static final long D = 100_000_000L;

	private static final long T0 = 7_000_000_000_123L;

	private static long t(int k) {
		return T0 + k * D;
	}

	/** x/time's dFromDuration: the nearest multiple of D, Go integer division. */
	private static int dFromDuration(long nanos) {
		return (int) ((nanos + D / 2) / D);
	}

	private static int dSince(long instant) {
		return dFromDuration(instant - T0);
	}

	private static ManualClock clockAt(long nanos) {
		return new ManualClock().advanceNanos(nanos);
	}

	private static TokenBucket bucket(double rate, int burst) {
		return TokenBucket.of(rate, burst, clockAt(T0));
	}

	// ---- x/time run(): TokensAt(t) then AllowN(t, n) per step

	/**
	 * x/time's {@code run(t, lim, []allow{...})}: one step per row, {@code tK | tokens | n | ok}, in order; at
	 * {@code tK}, {@code TokensAt} must return {@code tokens} and {@code AllowN(n)} must return {@code ok}. A
	 * {@code #} starts a comment.
	 */
	private static void run(TokenBucket bucket, String steps) {
		String[] rows = steps.strip().split("\n");
		for (int i = 0; i < rows.length; i++) {
			String[] cells = rows[i].replaceFirst("#.*", "").strip().split("\\s*\\|\\s*");
			assertThat(cells).as("step %d: %s", i, rows[i]).hasSize(4);
			assertThat(cells[0]).as("step %d: an instant tK", i).startsWith("t");
			int k = Integer.parseInt(cells[0].substring(1));
			int n = Integer.parseInt(cells[2]);
			assertThat(bucket.availablePermits(t(k))).as("step %d: TokensAt(t%d)", i, k)
				.isEqualTo(Double.parseDouble(cells[1]));
			assertThat(bucket.tryAcquire(n, t(k))).as("step %d: AllowN(t%d, %d)", i, k, n)
				.isEqualTo(Boolean.parseBoolean(cells[3]));
		}
	}

	// ---- x/time runReserve()/runReserveMax(): reserveN(t, n, max), time to act compared in multiples of D

	private static Ticket runReserve(TokenBucket bucket, long t, int n, long act, boolean ok) {
		return runReserveMax(bucket, t, n, act, ok, TokenBucket.INF_DURATION);
	}

	private static Ticket runReserveMax(TokenBucket bucket, long t, int n, long act, boolean ok, long max) {
		Ticket r = bucket.reserveWithin(n, max, t);
		assertThat(r.isOk()).as("reserveN(t%d, %d, %d).ok", dSince(t), n, max).isEqualTo(ok);
		if (ok) {
			assertThat(dSince(r.timeToAct())).as("reserveN(t%d, %d, %d) time to act", dSince(t), n, max)
				.isEqualTo(dSince(act));
		}
		return r;
	}

	// x/time rate_test.go TestLimit
	@Test
	void finiteRateIsNotInfinite() {
		assertThat(bucket(10, 1).rate()).isEqualTo(10.0).isNotEqualTo(Double.POSITIVE_INFINITY);
	}

	// x/time rate_test.go TestEvery
	@ParameterizedTest(name = "every {0} ns = {1}/s")
	@CsvSource(delimiter = '|', textBlock = """
			0                   | Infinity
			-1                  | Infinity
			1                   | 1e9
			1000                | 1e6
			1000000             | 1e3
			10000000            | 100
			100000000           | 10
			1000000000          | 1
			2000000000          | 0.5
			2500000000          | 0.4
			4000000000          | 0.25
			10000000000         | 0.1
			9223372036854775807 | 1.0842021724855044E-10
			""")
	void everyConvertsAnIntervalToARate(long intervalNanos, double expected) {
		double rate = TokenBucket.every(Duration.ofNanos(intervalNanos), 1, new ManualClock()).rate();
		if (Double.isInfinite(expected)) {
			assertThat(rate).isEqualTo(Double.POSITIVE_INFINITY);
		}
		else {
			// x/time closeEnough
			assertThat(Math.abs(rate / expected) - 1.0).isLessThan(1e-9);
		}
	}

	// x/time rate_test.go TestLimiterBurst1
	@Test
	void burstOfOneAllowsOneEventPerRefill() {
		run(bucket(10, 1), """
				t0 | 1 | 1 | true
				t0 | 0 | 1 | false
				t0 | 0 | 1 | false
				t1 | 1 | 1 | true
				t1 | 0 | 1 | false
				t1 | 0 | 1 | false
				t2 | 1 | 2 | false   # burst size is 1, so n=2 always fails
				t2 | 1 | 1 | true
				t2 | 0 | 1 | false
				""");
	}

	// x/time rate_test.go TestLimiterBurst3
	@Test
	void burstOfThreeAllowsUpToThreeAtOnce() {
		run(bucket(10, 3), """
				t0 | 3 | 2 | true
				t0 | 1 | 2 | false
				t0 | 1 | 1 | true
				t0 | 0 | 1 | false
				t1 | 1 | 4 | false
				t2 | 2 | 1 | true
				t3 | 2 | 1 | true
				t4 | 2 | 1 | true
				t4 | 1 | 1 | true
				t4 | 0 | 1 | false
				t4 | 0 | 1 | false
				t9 | 3 | 3 | true
				t9 | 0 | 0 | true
				""");
	}

	// x/time rate_test.go TestLimiterJumpBackwards
	@Test
	void timeJumpingBackwardsRefillsNothingAndMovesLastUpdateBack() {
		run(bucket(10, 3), """
				t1 | 3 | 1 | true    # start at t1
				t0 | 2 | 1 | true    # jump back to t0, two tokens remain
				t0 | 1 | 1 | true
				t0 | 0 | 1 | false
				t0 | 0 | 1 | false
				t1 | 1 | 1 | true    # got a token
				t1 | 0 | 1 | false
				t1 | 0 | 1 | false
				t2 | 1 | 1 | true    # got another token
				t2 | 0 | 1 | false
				t2 | 0 | 1 | false
				""");
	}

	// x/time rate_test.go TestLimiterJumpBackwards, through the clock instead of explicit instants
	@Test
	void clockGoingBackwardsFollowsTheSameRules() {
		ManualClock clock = clockAt(t(1));
		TokenBucket bucket = TokenBucket.of(10, 3, clock);
		assertThat(bucket.tryAcquire()).isTrue();
		clock.advanceNanos(-D);
		assertThat(bucket.availablePermits()).isEqualTo(2.0);
		assertThat(bucket.tryAcquire()).isTrue();
		assertThat(bucket.tryAcquire()).isTrue();
		assertThat(bucket.tryAcquire()).isFalse();
		clock.advanceNanos(D);
		assertThat(bucket.tryAcquire()).isTrue();
		assertThat(bucket.tryAcquire()).isFalse();
	}

	// x/time rate_test.go TestLimiter_noTruncationErrors (golang.org/issues/34861)
	@Test
	void firstEventIsAllowedWithoutTruncationErrors() {
		assertThat(TokenBucket.of(0.7692307692307693, 1, clockAt(T0)).tryAcquire()).isTrue();
	}

	// x/time rate_test.go TestSimultaneousRequests (time frozen, so no refill can blur the count)
	@Test
	void simultaneousRequestsGetExactlyTheBurst() throws Exception {
		int burst = 5;
		int requests = 15;
		TokenBucket bucket = bucket(1, burst);
		AtomicInteger granted = new AtomicInteger();
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(requests);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < requests; i++) {
				futures.add(pool.submit(() -> {
					start.await();
					if (bucket.tryAcquire()) {
						granted.incrementAndGet();
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(10, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(granted).hasValue(burst);
	}

	// x/time rate_test.go TestLongRunningQPS (fake time: 5 s of calls every 2 ms)
	@Test
	void longRunningRateStaysCloseToTheLimit() {
		int limit = 100;
		int burst = 100;
		TokenBucket bucket = bucket(limit, burst);
		long start = T0;
		long end = start + Duration.ofSeconds(5).toNanos();
		int granted = 0;
		long now = start;
		while (now < end) {
			if (bucket.tryAcquire(1, now)) {
				granted++;
			}
			now += Duration.ofMillis(2).toNanos();
		}
		double ideal = burst + (limit * (double) (now - start) / 1e9);
		assertThat(granted).isLessThanOrEqualTo((int) (ideal + 1)).isGreaterThanOrEqualTo((int) (0.999 * ideal));
	}

	// x/time rate_test.go TestSimpleReserve
	@Test
	void simpleReserve() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		runReserve(bucket, t(0), 2, t(2), true);
		runReserve(bucket, t(3), 2, t(4), true);
	}

	// x/time rate_test.go TestMix
	@Test
	void reservationsAndAllowsMix() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(0), 3, t(1), false); // should return false because n > Burst
		runReserve(bucket, t(0), 2, t(0), true);
		run(bucket, "t1 | 1 | 2 | false"); // not enough tokens - don't allow
		runReserve(bucket, t(1), 2, t(2), true);
		run(bucket, "t1 | -1 | 1 | false"); // negative tokens - don't allow
		run(bucket, "t3 | 1 | 1 | true");
	}

	// x/time rate_test.go TestCancelInvalid
	@Test
	void cancellingARefusedReservationDoesNothing() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		Ticket r = runReserve(bucket, t(0), 3, t(3), false);
		r.cancelAt(t(0)); // should have no effect
		runReserve(bucket, t(0), 2, t(2), true); // did not get extra tokens
	}

	// x/time rate_test.go TestCancelLast
	@Test
	void cancellingTheLastReservationGivesAllTokensBack() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		Ticket r = runReserve(bucket, t(0), 2, t(2), true);
		r.cancelAt(t(1)); // got 2 tokens back
		runReserve(bucket, t(1), 2, t(2), true);
	}

	// x/time rate_test.go TestCancelTooLate
	@Test
	void cancellingAfterTheTimeToActDoesNothing() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		Ticket r = runReserve(bucket, t(0), 2, t(2), true);
		r.cancelAt(t(3)); // too late to cancel - should have no effect
		runReserve(bucket, t(3), 2, t(4), true);
	}

	// x/time rate_test.go TestCancel0Tokens
	@Test
	void cancellingGivesNothingBackWhenLaterReservationsUsedItsTokens() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		Ticket r = runReserve(bucket, t(0), 1, t(1), true);
		runReserve(bucket, t(0), 1, t(2), true);
		r.cancelAt(t(0)); // got 0 tokens back
		runReserve(bucket, t(0), 1, t(3), true);
	}

	// x/time rate_test.go TestCancel1Token
	@Test
	void cancellingGivesBackOnlyTokensNotReservedLater() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		Ticket r = runReserve(bucket, t(0), 2, t(2), true);
		runReserve(bucket, t(0), 1, t(3), true);
		r.cancelAt(t(2)); // got 1 token back
		runReserve(bucket, t(2), 2, t(4), true);
	}

	// x/time rate_test.go TestCancelMulti
	@Test
	void cancellingSeveralReservations() {
		TokenBucket bucket = bucket(10, 4);
		runReserve(bucket, t(0), 4, t(0), true);
		Ticket rA = runReserve(bucket, t(0), 3, t(3), true);
		runReserve(bucket, t(0), 1, t(4), true);
		Ticket rC = runReserve(bucket, t(0), 1, t(5), true);
		rC.cancelAt(t(1)); // get 1 token back
		rA.cancelAt(t(1)); // get 2 tokens back, as if C was never reserved
		runReserve(bucket, t(1), 3, t(5), true);
	}

	// x/time rate_test.go TestReserveJumpBack
	@Test
	void reservingBackInTimeViolatesTheLimitAndRefusalsChangeNothing() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(1), 2, t(1), true); // start at t1
		runReserve(bucket, t(0), 1, t(1), true); // should violate Limit,Burst
		runReserve(bucket, t(2), 2, t(3), true);
		// burst size is 2, so n=3 always fails, and the state of lim should not be changed
		runReserve(bucket, t(0), 3, 0, false);
		runReserve(bucket, t(2), 1, t(4), true);
		// the maxReserve is not enough so it fails, and the state of lim should not be changed
		runReserveMax(bucket, t(0), 2, 0, false, D);
		runReserve(bucket, t(2), 1, t(5), true);
	}

	// x/time rate_test.go TestReserveJumpBackCancel
	@Test
	void cancellingBackInTime() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(1), 2, t(1), true); // start at t1
		Ticket r = runReserve(bucket, t(1), 2, t(3), true);
		runReserve(bucket, t(1), 1, t(4), true);
		r.cancelAt(t(0)); // cancel at t0, get 1 token back
		runReserve(bucket, t(1), 2, t(4), true); // should violate Limit,Burst
	}

	// x/time rate_test.go TestReserveSetLimit
	@Test
	void settingTheRateDoesNotRetimeReservations() {
		TokenBucket bucket = bucket(5, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		runReserve(bucket, t(0), 2, t(4), true);
		bucket.setRate(10, t(2));
		runReserve(bucket, t(2), 1, t(4), true); // violates Limit and Burst
	}

	// x/time rate_test.go TestReserveSetBurst
	@Test
	void settingTheBurstDoesNotRetimeReservations() {
		TokenBucket bucket = bucket(5, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		runReserve(bucket, t(0), 2, t(4), true);
		bucket.setBurst(4, t(3));
		runReserve(bucket, t(0), 4, t(9), true); // violates Limit and Burst
	}

	// x/time rate_test.go TestReserveSetLimitCancel
	@Test
	void cancellingAfterARateChangeUsesTheRateAtReservation() {
		TokenBucket bucket = bucket(5, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		Ticket r = runReserve(bucket, t(0), 2, t(4), true);
		bucket.setRate(10, t(2));
		r.cancelAt(t(2)); // 2 tokens back
		runReserve(bucket, t(2), 2, t(3), true);
	}

	// x/time rate_test.go TestReserveMax
	@Test
	void reservationsBeyondTheMaximumWaitAreRefused() {
		TokenBucket bucket = bucket(10, 2);
		runReserveMax(bucket, t(0), 2, t(0), true, D);
		runReserveMax(bucket, t(0), 1, t(1), true, D); // reserve for close future
		runReserveMax(bucket, t(0), 1, t(2), false, D); // time to act too far in the future
	}

	// ---- x/time runWait(): WaitN on a fake clock; the delay is the clock's advance, in multiples of D

	// x/time rate_test.go TestWaitSimple
	@Test
	void waitSimple() throws InterruptedException {
		ManualClock clock = clockAt(T0);
		TokenBucket bucket = TokenBucket.of(10, 3, clock);
		// already-cancelled: an interrupted thread fails before taking anything
		Thread.currentThread().interrupt();
		assertThatThrownBy(() -> bucket.acquire(1)).isInstanceOf(InterruptedException.class);
		assertThat(Thread.interrupted()).isFalse();
		assertThat(bucket.availablePermits()).isEqualTo(3.0);
		// exceed-burst-error
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.acquire(4))
			.withMessage("permits must be <= burst 3 (was 4)");
		assertThat(bucket.tryAcquire(4, Duration.ofHours(1))).isFalse();
		// act-now
		assertThat(waited(clock, () -> bucket.acquire(2))).isEqualTo(0);
		// act-later
		assertThat(waited(clock, () -> bucket.acquire(3))).isEqualTo(2);
	}

	// x/time rate_test.go TestWaitCancel (the context is cancelled D into the wait: here the sleep is interrupted)
	@Test
	void interruptedWaitCancelsItsReservation() throws InterruptedException {
		ManualClock manual = clockAt(T0);
		InterruptedAfter clock = new InterruptedAfter(manual, D);
		TokenBucket bucket = TokenBucket.of(10, 3, clock);
		assertThat(waited(manual, () -> bucket.acquire(2))).isEqualTo(0); // act-now; after this tokens = 1
		long start = manual.nanoTime();
		assertThatThrownBy(() -> bucket.acquire(3)).isInstanceOf(InterruptedException.class); // will-cancel
		assertThat(dFromDuration(manual.nanoTime() - start)).isEqualTo(1);
		// should get 3 tokens back, and have tokens = 2
		assertThat(bucket.availablePermits()).isEqualTo(2.0);
		assertThat(waited(manual, () -> bucket.acquire(2))).isEqualTo(0); // act-now-after-cancel
	}

	// x/time rate_test.go TestWaitTimeout (context deadline D from now becomes maxWait = D)
	@Test
	void waitLongerThanMaxWaitFailsAtOnceTakingNothing() throws InterruptedException {
		ManualClock clock = clockAt(T0);
		TokenBucket bucket = TokenBucket.of(10, 3, clock);
		assertThat(bucket.tryAcquire(2, Duration.ofNanos(D))).isTrue(); // act-now
		assertThat(bucket.tryAcquire(3, Duration.ofNanos(D))).isFalse(); // w-timeout-err
		assertThat(clock.nanoTime()).isEqualTo(T0);
		assertThat(bucket.availablePermits()).isEqualTo(1.0);
		// within the deadline: waits, then succeeds
		assertThat(bucket.tryAcquire(2, Duration.ofNanos(D))).isTrue();
		assertThat(clock.nanoTime() - T0).isEqualTo(D);
	}

	// x/time rate_test.go TestWaitInf
	@Test
	void infiniteRateWaitIgnoresTheBurst() throws InterruptedException {
		ManualClock clock = clockAt(T0);
		TokenBucket bucket = TokenBucket.of(Double.POSITIVE_INFINITY, 0, clock);
		assertThat(waited(clock, () -> bucket.acquire(3))).isEqualTo(0); // exceed-burst-no-error
		assertThat(bucket.tryAcquire(3, Duration.ZERO)).isTrue();
	}

	// x/time rate_test.go TestZeroLimit
	@Test
	void zeroRateAllowsOnlyTheInitialBurst() {
		TokenBucket bucket = bucket(0, 1);
		assertThat(bucket.tryAcquire()).isTrue();
		assertThat(bucket.tryAcquire()).isFalse();
	}

	// x/time rate_test.go TestSetAfterZeroLimit
	@Test
	void settingARateAfterZeroResumesRefill() throws InterruptedException {
		ManualClock clock = clockAt(T0);
		TokenBucket bucket = TokenBucket.of(0, 1, clock);
		// the bucket starts full, so even though the rate is 0 the first request is allowed...
		assertThat(bucket.tryAcquire()).isTrue();
		// ...but it is not replenished, so the second is not
		assertThat(bucket.tryAcquire()).isFalse();
		bucket.setRate(10);
		// 10/s: another token in 100ms
		assertThat(waited(clock, () -> bucket.acquire(1))).isEqualTo(1);
		assertThat(clock.nanoTime() - T0).isEqualTo(D);
	}

	// x/time rate_test.go TestTinyLimit (issue 71154: durationFromTokens must not overflow)
	@Test
	void tinyRateDoesNotAllowMoreThanTheBurst() {
		TokenBucket bucket = bucket(1e-10, 1);
		assertThat(bucket.tryAcquire()).isTrue();
		assertThat(bucket.tryAcquire()).isFalse();
		assertThat(TokenBucket.durationFromTokens(1, 1e-10)).isEqualTo(Long.MAX_VALUE);
	}

	// ---- edge cases of x/time's rate.go, not covered by rate_test.go

	@Test
	void zeroRateAndZeroBurstBehavesAsGosZeroLimiter() {
		TokenBucket bucket = bucket(0, 0);
		assertThat(bucket.tryAcquire(1, t(0))).isFalse();
		assertThat(bucket.tryAcquire(0, t(0))).isTrue();
		assertThat(bucket.availablePermits(t(0))).isEqualTo(0.0);
		Ticket r = bucket.reserve(1, t(0));
		assertThat(r.isOk()).isFalse();
		assertThat(r.delay()).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
		assertThat(r.delayFrom(t(0))).isEqualTo(Long.MAX_VALUE);
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.acquire(1))
			.withMessage("permits must be <= burst 0 (was 1)");
	}

	@Test
	void zeroRateReservationAfterExhaustionIsOkWithAnInfiniteDelay() {
		TokenBucket bucket = bucket(0, 1);
		assertThat(bucket.tryAcquire(1, t(0))).isTrue();
		Ticket r = bucket.reserve(1, t(0));
		assertThat(r.isOk()).isTrue();
		assertThat(r.timeToAct()).isEqualTo(Long.MAX_VALUE); // t + InfDuration, saturated
		assertThat(r.delayFrom(t(0))).isEqualTo(Long.MAX_VALUE);
		assertThat(r.delayFrom(t(9))).isEqualTo(Long.MAX_VALUE);
		assertThat(r.delay()).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
		assertThat(bucket.availablePermits(t(5))).isEqualTo(-1.0);
		// the reservation is the last one: cancelling gives its token back
		r.cancelAt(t(1));
		assertThat(bucket.availablePermits(t(5))).isEqualTo(0.0);
	}

	@Test
	void zeroRateReservationAtANegativeInstantHasAnExactInfiniteDelay() {
		TokenBucket bucket = bucket(0, 0);
		bucket.setBurst(1, -5);
		assertThat(bucket.tryAcquire(1, -5)).isFalse(); // SetBurstAt keeps the 0 tokens it had
		Ticket r = bucket.reserve(1, -5);
		assertThat(r.isOk()).isTrue();
		assertThat(r.timeToAct()).isEqualTo(Long.MAX_VALUE - 5); // -5 + InfDuration, no overflow
		assertThat(r.delayFrom(-5)).isEqualTo(Long.MAX_VALUE);
	}

	@Test
	void infiniteRateGrantsEverythingAndLeavesTheStateAlone() {
		TokenBucket bucket = bucket(Double.POSITIVE_INFINITY, 0);
		assertThat(bucket.rate()).isEqualTo(Double.POSITIVE_INFINITY);
		assertThat(bucket.tryAcquire(1_000_000, t(0))).isTrue();
		assertThat(bucket.tryAcquire()).isTrue();
		Ticket r = bucket.reserve(5, t(0));
		assertThat(r.isOk()).isTrue();
		assertThat(r.delayFrom(t(0))).isZero();
		assertThat(r.delay()).isEqualTo(Duration.ZERO);
		r.cancelAt(t(0));
		assertThat(bucket.availablePermits(t(0))).isEqualTo(0.0); // TokensAt = min(burst, ...) = 0
		assertThat(TokenBucket.of(Double.MAX_VALUE, 2, clockAt(T0)).rate()).isEqualTo(Double.POSITIVE_INFINITY);
	}

	@Test
	void infiniteReservationCancelledAfterAFiniteRateIsSetRestoresItsTokensAsGoDoes() {
		TokenBucket bucket = bucket(Double.POSITIVE_INFINITY, 5);
		Ticket r = bucket.reserve(3, t(1));
		bucket.setRate(10, t(0));
		assertThat(bucket.tryAcquire(5, t(0))).isTrue();
		// the reservation's limit is 0 (x/time leaves it unset at Inf), so all 3 tokens come back
		r.cancelAt(t(0));
		assertThat(bucket.availablePermits(t(0))).isEqualTo(3.0);
	}

	@Test
	void zeroBurstAtAFiniteRateRefusesEveryPermitButAllowsZero() {
		TokenBucket bucket = bucket(10, 0);
		assertThat(bucket.tryAcquire(1, t(5))).isFalse();
		assertThat(bucket.tryAcquire(0, t(5))).isTrue();
		assertThat(bucket.reserve(1, t(5)).isOk()).isFalse();
	}

	@Test
	void zeroPermitsAreRefusedWhileTokensAreNegative() {
		TokenBucket bucket = bucket(10, 1);
		assertThat(bucket.reserve(1, t(0)).isOk()).isTrue();
		assertThat(bucket.reserve(1, t(0)).isOk()).isTrue();
		assertThat(bucket.tryAcquire(0, t(0))).isFalse();
		assertThat(bucket.tryAcquire(0, t(1))).isTrue();
	}

	@Test
	void loweringTheBurstCapsTheTokensAndRaisingItRefillsAtTheRate() {
		TokenBucket bucket = bucket(10, 5);
		bucket.setBurst(2, t(0));
		assertThat(bucket.burst()).isEqualTo(2);
		assertThat(bucket.availablePermits(t(0))).isEqualTo(2.0);
		bucket.setBurst(4, t(0));
		assertThat(bucket.availablePermits(t(0))).isEqualTo(2.0);
		assertThat(bucket.availablePermits(t(1))).isEqualTo(3.0);
		assertThat(bucket.availablePermits(t(9))).isEqualTo(4.0);
	}

	@Test
	void unitConversionsCopyGosFormulas() {
		// Duration.Seconds(): whole and fractional parts converted separately
		assertThat(TokenBucket.seconds(1_500_000_001L)).isEqualTo(1.0 + 500_000_001 / 1e9);
		assertThat(TokenBucket.seconds(-1_500_000_001L)).isEqualTo(-1.0 + -500_000_001 / 1e9);
		assertThat(TokenBucket.tokensFromDuration(D, 10)).isEqualTo(1.0);
		assertThat(TokenBucket.tokensFromDuration(D, 0)).isEqualTo(0.0);
		// (long) truncation toward zero, both signs
		assertThat(TokenBucket.durationFromTokens(1, 3)).isEqualTo(333_333_333L);
		assertThat(TokenBucket.durationFromTokens(-1, 3)).isEqualTo(-333_333_333L);
		assertThat(TokenBucket.durationFromTokens(1, 0)).isEqualTo(Long.MAX_VALUE);
		assertThat(TokenBucket.durationFromTokens(1e300, 1)).isEqualTo(Long.MAX_VALUE);
	}

	@Test
	void timeArithmeticSaturatesInsteadOfOverflowing() {
		assertThat(BucketMath.saturatedAdd(Long.MAX_VALUE - 1, 5)).isEqualTo(Long.MAX_VALUE);
		assertThat(BucketMath.saturatedAdd(Long.MIN_VALUE + 1, -5)).isEqualTo(Long.MIN_VALUE);
		assertThat(BucketMath.saturatedSubtract(Long.MAX_VALUE, Long.MIN_VALUE)).isEqualTo(Long.MAX_VALUE);
		assertThat(BucketMath.saturatedSubtract(Long.MIN_VALUE, Long.MAX_VALUE)).isEqualTo(Long.MIN_VALUE);
		assertThat(BucketMath.saturatedSubtract(-5, 3)).isEqualTo(-8);
		TokenBucket bucket = bucket(1e9, 2);
		assertThat(bucket.tryAcquire(2, Long.MIN_VALUE)).isTrue();
		assertThat(bucket.availablePermits(Long.MAX_VALUE)).isEqualTo(2.0);
		assertThat(bucket.tryAcquire(2, Long.MAX_VALUE)).isTrue();
		Ticket r = bucket.reserve(2, Long.MAX_VALUE);
		assertThat(r.isOk()).isTrue();
		assertThat(r.timeToAct()).isEqualTo(Long.MAX_VALUE);
		// cancelled "before" everything: 2 tokens back, and the last update moves back to Long.MIN_VALUE
		r.cancelAt(Long.MIN_VALUE);
		assertThat(bucket.availablePermits(Long.MIN_VALUE)).isEqualTo(0.0);
		assertThat(bucket.availablePermits(Long.MAX_VALUE)).isEqualTo(2.0);
	}

	@Test
	void aFreshBucketIsFullAtAnyInstantIncludingZeroAndNegative() {
		for (long instant : new long[] { 0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, T0 }) {
			TokenBucket bucket = TokenBucket.of(1e-10, 3, new ManualClock());
			assertThat(bucket.availablePermits(instant)).isEqualTo(3.0);
			assertThat(bucket.tryAcquire(3, instant)).isTrue();
			assertThat(bucket.tryAcquire(1, instant)).isFalse();
		}
		ManualClock clock = new ManualClock();
		TokenBucket bucket = TokenBucket.of(10, 2, clock);
		assertThat(bucket.tryAcquire(2)).isTrue();
		assertThat(bucket.tryAcquire()).isFalse();
		clock.advanceNanos(D);
		assertThat(bucket.tryAcquire()).isTrue();
	}

	@Test
	void reservationDelayIsMeasuredFromTheClock() {
		ManualClock clock = clockAt(T0);
		TokenBucket bucket = TokenBucket.of(10, 1, clock);
		assertThat(bucket.reserve(1).delay()).isEqualTo(Duration.ZERO);
		Reservation r = bucket.reserve(1);
		assertThat(r.delay()).isEqualTo(Duration.ofMillis(100));
		clock.advance(Duration.ofMillis(30));
		assertThat(r.delay()).isEqualTo(Duration.ofMillis(70));
		clock.advance(Duration.ofMillis(100));
		assertThat(r.delay()).isEqualTo(Duration.ZERO);
		assertThat(bucket.reserve(2).isOk()).isFalse();
	}

	// Deviation from x/time: there, a second CancelAt gives the tokens back again.
	@Test
	void cancellingTwiceGivesTokensBackOnce() {
		TokenBucket bucket = bucket(10, 2);
		runReserve(bucket, t(0), 2, t(0), true);
		Ticket r = runReserve(bucket, t(0), 2, t(2), true);
		r.cancelAt(t(1));
		r.cancelAt(t(1));
		assertThat(bucket.availablePermits(t(1))).isEqualTo(1.0);
		Ticket now = bucket.reserve(1, t(1));
		now.cancelAt(t(1));
		now.cancelAt(t(1));
		assertThat(bucket.availablePermits(t(1))).isEqualTo(1.0);
	}

	@Test
	void rejectsInvalidArguments() {
		Clock clock = new ManualClock();
		assertThatIllegalArgumentException().isThrownBy(() -> TokenBucket.of(-1, 1, clock))
			.withMessage("permitsPerSecond must be >= 0 (was -1.0)");
		assertThatIllegalArgumentException().isThrownBy(() -> TokenBucket.of(Double.NaN, 1, clock))
			.withMessage("permitsPerSecond must be >= 0 (was NaN)");
		assertThatIllegalArgumentException().isThrownBy(() -> TokenBucket.of(1, -1, clock))
			.withMessage("burst must be >= 0 (was -1)");
		TokenBucket bucket = TokenBucket.of(1, 1, clock);
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.tryAcquire(-1))
			.withMessage("permits must be >= 0 (was -1)");
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.reserve(-1))
			.withMessage("permits must be >= 0 (was -1)");
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.acquire(-1))
			.withMessage("permits must be >= 0 (was -1)");
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.tryAcquire(-1, Duration.ZERO))
			.withMessage("permits must be >= 0 (was -1)");
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.setRate(-0.5))
			.withMessage("permitsPerSecond must be >= 0 (was -0.5)");
		assertThatIllegalArgumentException().isThrownBy(() -> bucket.setBurst(-3))
			.withMessage("burst must be >= 0 (was -3)");
		assertThat(bucket.rate()).isEqualTo(1.0);
		assertThat(bucket.burst()).isEqualTo(1);
	}

	@Test
	void negativeOrZeroMaxWaitNeverWaits() throws InterruptedException {
		ManualClock clock = clockAt(T0);
		TokenBucket bucket = TokenBucket.of(10, 1, clock);
		assertThat(bucket.tryAcquire(1, Duration.ofMillis(-1))).isFalse();
		assertThat(bucket.tryAcquire(1, Duration.ZERO)).isTrue();
		assertThat(bucket.tryAcquire(1, Duration.ZERO)).isFalse();
		assertThat(bucket.tryAcquire(1, Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
		assertThat(clock.nanoTime() - T0).isEqualTo(D);
	}

	@Test
	void describesItself() {
		assertThat(bucket(2.5, 4)).hasToString("TokenBucket[rate=2.5/s, burst=4]");
		assertThat(bucket(10, 1).reserve(2, t(0))).hasToString("Reservation[not ok]");
	}

	/** The two shortcuts of the hot path give exactly what x/time's full computation gives, on random states. */
	@Test
	void hotPathShortcutsAgreeWithTheFullComputation() {
		SplittableRandom random = new SplittableRandom(20261123);
		double[] limits = { 1e-10, 0.7692307692307693, 1, 3, 10, 1000, 123_456.789, 1e9, 1e12, 1e300 };
		for (int i = 0; i < 200_000; i++) {
			double limit = (i % 3 == 0) ? limits[random.nextInt(limits.length)] : Math.exp(random.nextDouble(-25, 30));
			int burst = (i % 5 == 0) ? random.nextInt(3) : random.nextInt(1, 1 << random.nextInt(1, 31));
			double tokens = burst - random.nextDouble() * random.nextInt(1, 4) * Math.min(burst + 1, 1 << 20);
			if (i % 11 == 0) {
				tokens = burst + random.nextDouble() * 3; // a lowered burst caps these lazily
			}
			long full = TokenBucket.fullAfter(tokens, limit, burst);
			if (full != Long.MAX_VALUE) {
				for (long e : new long[] { full, full + 1, full + random.nextLong(1, 1L << 40) }) {
					assertThat(exactAvailable(tokens, limit, burst, e)).as("full after %d: %s %s %s", e, tokens, limit,
							burst)
						.isEqualTo(burst);
				}
			}
			long empty = TokenBucket.emptyThrough(tokens, limit, burst);
			if (empty >= 0) {
				long bound = Math.min(empty, 1L << 62);
				for (long e : new long[] { 0, bound, random.nextLong(bound + 1) }) {
					double left = exactAvailable(tokens, limit, burst, e) - 1;
					boolean refused = 1 > burst || (left < 0 && TokenBucket.durationFromTokens(-left, limit) > 0);
					assertThat(refused).as("empty through %d: %s %s %s", e, tokens, limit, burst).isTrue();
				}
			}
		}
	}

	/** x/time advance(t) for {@code t = last + elapsed}, written out independently of the class. */
	private static double exactAvailable(double tokens, double limit, int burst, long elapsed) {
		double seconds = (double) (elapsed / 1_000_000_000L) + (double) (elapsed % 1_000_000_000L) / 1e9;
		double result = tokens + seconds * limit;
		return (result > burst) ? burst : result;
	}

	/** How many D the clock moved while the action ran (x/time runWait's measured delay). */
	private static int waited(ManualClock clock, Action action) throws InterruptedException {
		long start = clock.nanoTime();
		action.run();
		return dFromDuration(clock.nanoTime() - start);
	}

	@FunctionalInterface
	private interface Action {

		void run() throws InterruptedException;

	}

	/** A clock whose sleeps are interrupted after {@code after}: a context cancelled during the wait. */
	private static final class InterruptedAfter implements Clock {

		private final ManualClock clock;

		private final long after;

		InterruptedAfter(ManualClock clock, long after) {
			this.clock = clock;
			this.after = after;
		}

		@Override
		public long nanoTime() {
			return this.clock.nanoTime();
		}

		@Override
		public long currentTimeMillis() {
			return this.clock.currentTimeMillis();
		}

		@Override
		public void sleep(long nanos) throws InterruptedException {
			if (nanos <= this.after) {
				this.clock.sleep(nanos);
				return;
			}
			this.clock.sleep(this.after);
			throw new InterruptedException();
		}

	}

}
