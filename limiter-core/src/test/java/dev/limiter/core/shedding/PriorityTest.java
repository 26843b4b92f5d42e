package dev.limiter.core.shedding;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.limiter.core.ManualClock;
import dev.limiter.core.Promise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * Tests for {@link Priority} in {@link Shedder#allow(Priority)}: sheddable calls stop at
 * {@code min(0.9 x limit, limit - 1)} (rounded up, at least 1), critical ones go up to the limit, with a static cap,
 * the adaptive limiter at a fixed limit and a capped shedder; shedders without priorities treat both alike.
 */
class PriorityTest {

	private static final Promise NOOP = new Promise() {

		@Override
		public void accept() {
		}

		@Override
		public void reject(String reason) {
		}

	};

	private final ManualClock clock = new ManualClock();

	@ParameterizedTest
	@CsvSource({ "1, 1", "2, 1", "3, 2", "4, 3", "5, 4", "9, 8", "10, 9", "11, 10", "12, 11", "15, 14", "19, 18",
			"20, 18", "100, 90", "1000, 900", "2147483647, 1932735283" })
	void sheddableCallsStopAtNinetyPercentOfTheLimitKeepingOneSlot(int limit, int sheddable) {
		assertThat(Priority.sheddableLimit(limit)).isEqualTo(sheddable);
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 2, 3, 4, 5, 10, 11, 20, 37 })
	void aStaticCapAdmitsSheddableCallsToTheirShareAndCriticalOnesToTheCap(int cap) {
		ConcurrencyLimiter limiter = ConcurrencyLimiter.of("cap", cap);
		assertShares(limiter, cap, limiter::inFlight);
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 2, 3, 4, 5, 10, 11, 20, 37 })
	void anAdaptiveLimiterAtAFixedLimitAdmitsSheddableCallsToTheirShareAndCriticalOnesToTheLimit(int limit) {
		AdaptiveConcurrencyLimiter limiter = fixed(limit);
		assertShares(limiter, limit, limiter::inFlight);
		assertThat(limiter.limit()).isEqualTo(limit);
	}

	/** Fills the shedder with sheddable calls, then with critical ones, and checks each refusal and the count. */
	private void assertShares(Shedder shedder, int limit, IntSupplier inFlight) {
		List<Promise> held = new ArrayList<>();
		int share = Priority.sheddableLimit(limit);
		for (int i = 0; i < share; i++) {
			held.add(shedder.allow(Priority.SHEDDABLE));
		}
		assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> shedder.allow(Priority.SHEDDABLE));
		assertThat(inFlight.getAsInt()).isEqualTo(share);
		for (int i = share; i < limit; i++) {
			held.add(shedder.allow(Priority.CRITICAL));
		}
		assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> shedder.allow(Priority.CRITICAL));
		assertThatExceptionOfType(OverloadException.class).isThrownBy(shedder::allow);
		assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> shedder.allow(Priority.SHEDDABLE));
		assertThat(inFlight.getAsInt()).isEqualTo(limit);
		// a slot freed above the sheddable share goes to critical calls only
		held.remove(held.size() - 1).accept();
		if (limit >= 2) {
			assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> shedder.allow(Priority.SHEDDABLE));
		}
		held.add(shedder.allow(Priority.CRITICAL));
		held.forEach(Promise::accept);
		assertThat(inFlight.getAsInt()).isZero();
	}

	@Test
	void atALimitOfTwoOneSlotIsKeptForCriticalCalls() {
		ConcurrencyLimiter cap = ConcurrencyLimiter.of("cap", 2);
		AdaptiveConcurrencyLimiter adaptive = fixed(2);
		for (Shedder shedder : List.of(cap, adaptive)) {
			Promise sheddable = shedder.allow(Priority.SHEDDABLE);
			assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> shedder.allow(Priority.SHEDDABLE));
			Promise critical = shedder.allow(Priority.CRITICAL);
			assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> shedder.allow(Priority.CRITICAL));
			sheddable.accept();
			critical.accept();
		}
	}

	@Test
	void atALimitOfOneBothShareTheSlot() {
		for (Shedder shedder : List.of(ConcurrencyLimiter.of("cap", 1), fixed(1))) {
			Promise sheddable = shedder.allow(Priority.SHEDDABLE);
			assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> shedder.allow(Priority.CRITICAL));
			sheddable.accept();
			Promise critical = shedder.allow(Priority.CRITICAL);
			assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> shedder.allow(Priority.SHEDDABLE));
			critical.accept();
		}
	}

	@Test
	void anUnlimitedCapAdmitsBoth() {
		ConcurrencyLimiter limiter = ConcurrencyLimiter.of("none", 0);
		List<Promise> held = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			held.add(limiter.allow((i % 2 == 0) ? Priority.SHEDDABLE : Priority.CRITICAL));
		}
		assertThat(limiter.inFlight()).isEqualTo(100);
		held.forEach(Promise::accept);
	}

	@Test
	void aNullPriorityIsRefusedWithAClearMessage() {
		Shedder plain = () -> NOOP;
		for (Shedder shedder : List.of(ConcurrencyLimiter.of("cap", 2), fixed(2), plain,
				new CappedShedder(ConcurrencyLimiter.of("cap", 2), plain))) {
			assertThatNullPointerException().isThrownBy(() -> shedder.allow(null))
				.withMessage("priority must not be null");
		}
	}

	@Test
	void aShedderWithoutPrioritiesTreatsBothAlike() {
		AtomicInteger allowed = new AtomicInteger();
		Shedder plain = () -> {
			allowed.incrementAndGet();
			return NOOP;
		};
		plain.allow(Priority.SHEDDABLE);
		plain.allow(Priority.CRITICAL);
		assertThat(allowed).hasValue(2);
		AdaptiveShedder cpu = AdaptiveShedder.builder().cpuUsage(() -> 0.0).build();
		cpu.allow(Priority.SHEDDABLE).accept();
		cpu.allow(Priority.CRITICAL).accept();
	}

	@Test
	void aCappedShedderPassesThePriorityToItsCapAndItsShedder() {
		AdaptiveConcurrencyLimiter inner = fixed(10);
		CappedShedder capped = new CappedShedder(ConcurrencyLimiter.of("cap", 4), inner);
		List<Promise> held = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			held.add(capped.allow(Priority.SHEDDABLE));
		}
		// the cap's sheddable share (3 of 4) is taken; the inner limiter would still admit a sheddable call
		assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> capped.allow(Priority.SHEDDABLE));
		held.add(capped.allow(Priority.CRITICAL));
		assertThat(capped.cap().inFlight()).isEqualTo(4);
		held.forEach(Promise::accept);
		assertThat(capped.cap().inFlight()).isZero();
		assertThat(inner.inFlight()).isZero();
		// the inner shedder's sheddable share refuses first when it is smaller, and the slot is given back
		CappedShedder wide = new CappedShedder(ConcurrencyLimiter.of("cap", 10), fixed(2));
		Promise first = wide.allow(Priority.SHEDDABLE);
		assertThatExceptionOfType(OverloadException.class).isThrownBy(() -> wide.allow(Priority.SHEDDABLE));
		assertThat(wide.cap().inFlight()).isEqualTo(1);
		wide.allow(Priority.CRITICAL).accept();
		first.accept();
		assertThat(wide.cap().inFlight()).isZero();
	}

	@Test
	void inFlightNeverExceedsAStaticCapOrItsSheddableShareUnderContention() throws InterruptedException {
		ConcurrencyLimiter limiter = ConcurrencyLimiter.of("cap", 5);
		assertContended(limiter::allow, limiter::inFlight, 5);
		assertThat(limiter.inFlight()).isZero();
	}

	@Test
	void inFlightNeverExceedsAFixedAdaptiveLimitOrItsSheddableShareUnderContention() throws InterruptedException {
		AdaptiveConcurrencyLimiter limiter = fixed(5);
		assertContended(limiter::allow, limiter::inFlight, 5);
		assertThat(limiter.inFlight()).isZero();
	}

	/**
	 * Eight threads: first sheddable calls only (the count never passes their share), then a mix (never past the
	 * limit).
	 */
	private void assertContended(Function<Priority, Promise> allow, IntSupplier inFlight,
			int limit) throws InterruptedException {
		AtomicInteger worst = new AtomicInteger();
		runConcurrently(allow, inFlight, worst, (i) -> Priority.SHEDDABLE);
		assertThat(worst.get()).isBetween(1, Priority.sheddableLimit(limit));
		worst.set(0);
		runConcurrently(allow, inFlight, worst, (i) -> (i % 3 == 0) ? Priority.CRITICAL : Priority.SHEDDABLE);
		assertThat(worst.get()).isBetween(1, limit);
	}

	private void runConcurrently(Function<Priority, Promise> allow, IntSupplier inFlight,
			AtomicInteger worst, Function<Integer, Priority> priority) throws InterruptedException {
		Contention.run(8, 20_000, (i) -> {
			Promise promise;
			try {
				promise = allow.apply(priority.apply(i));
			}
			catch (OverloadException ex) {
				return;
			}
			worst.accumulateAndGet(inFlight.getAsInt(), Math::max);
			this.clock.advanceNanos(50_000);
			promise.accept();
		});
	}

	private AdaptiveConcurrencyLimiter fixed(int limit) {
		return AdaptiveConcurrencyLimiter.builder()
			.initialLimit(limit)
			.minLimit(limit)
			.maxLimit(limit)
			.clock(this.clock)
			.build();
	}

}
