package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Shedder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** What the guard shared by the servlet and WebFlux filters gives back when a later rule fails. */
class PromiseGuardTests {

	@Test
	void aProtectionThatFailsGivesBackWhatEarlierRulesTookAndTheFailurePropagates() {
		ConcurrencyLimiter first = ConcurrencyLimiter.of("first", 10);
		Shedder broken = () -> {
			throw new IllegalStateException("broken shedder");
		};
		PromiseGuard guard = PromiseGuard.shedders(List.of(rule("first", first), rule("broken", broken)),
				Duration.ofSeconds(1), LimiterCallListener.NONE, (name) -> false);
		assertThatIllegalStateException().isThrownBy(() -> guard.admit("GET /api", (rule, request) -> true,
				(request) -> request))
			.withMessage("broken shedder");
		assertThat(first.inFlight()).as("the first rule's slot, given back").isZero();
	}

	private static RequestRule rule(String name, Shedder shedder) {
		return new RequestRule(List.of("/**"), List.of(), null, null, new RequestRule.Shedding(name, shedder));
	}

}
