package dev.limiter.core.shedding;

import java.util.ArrayList;
import java.util.List;

import dev.limiter.core.Promise;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link CappedShedder}: the cap is asked first, and each outcome reaches both the cap and the inner shedder.
 */
class CappedShedderTest {

	private final RecordingShedder inner = new RecordingShedder();

	private final CappedShedder shedder = new CappedShedder(ConcurrencyLimiter.of("capped", 1), this.inner);

	@Test
	void eachOutcomeReachesTheInnerShedderAndFreesTheSlot() {
		this.shedder.allow().accept();
		this.shedder.allow().reject("failed");
		this.shedder.allow().ignore();
		assertThat(this.inner.outcomes).containsExactly("accept", "reject failed", "ignore");
		assertThat(this.shedder.cap().inFlight()).isZero();
	}

	@Test
	void aFullCapRefusesWithoutAskingTheInnerShedder() {
		Promise held = this.shedder.allow();
		assertThatExceptionOfType(OverloadException.class).isThrownBy(this.shedder::allow);
		assertThat(this.inner.allowed).isEqualTo(1);
		held.accept();
	}

	@Test
	void anInnerRefusalGivesTheSlotBack() {
		this.inner.refuse = true;
		assertThatExceptionOfType(OverloadException.class).isThrownBy(this.shedder::allow);
		assertThat(this.shedder.cap().inFlight()).isZero();
	}

	@Test
	void anInnerFailureGivesTheSlotBackAndPropagates() {
		CappedShedder failing = new CappedShedder(ConcurrencyLimiter.of("capped", 1), () -> {
			throw new IllegalStateException("no CPU reading");
		});
		assertThatIllegalStateException().isThrownBy(failing::allow).withMessage("no CPU reading");
		assertThat(failing.cap().inFlight()).isZero();
	}

	private static final class RecordingShedder implements Shedder {

		final List<String> outcomes = new ArrayList<>();

		int allowed;

		boolean refuse;

		@Override
		public Promise allow() {
			if (this.refuse) {
				throw new OverloadException("inner");
			}
			this.allowed++;
			return new Promise() {

				@Override
				public void accept() {
					RecordingShedder.this.outcomes.add("accept");
				}

				@Override
				public void reject(String reason) {
					RecordingShedder.this.outcomes.add("reject " + reason);
				}

				@Override
				public void ignore() {
					RecordingShedder.this.outcomes.add("ignore");
				}

			};
		}

	}

}
