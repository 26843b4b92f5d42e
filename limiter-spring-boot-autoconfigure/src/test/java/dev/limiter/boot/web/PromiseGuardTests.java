package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;
import java.util.function.BiPredicate;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.core.Promise;
import dev.limiter.core.shedding.ConcurrencyLimiter;
import dev.limiter.core.shedding.Priority;
import dev.limiter.core.shedding.Shedder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** What the guard shared by the servlet and WebFlux filters asks, and gives back when a later rule fails. */
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

	@Test
	void aShedderThatSeveralMatchingRulesNameIsAskedOnceWithTheFirstRulesPriority() {
		ConcurrencyLimiter pool = ConcurrencyLimiter.of("pool", 2);
		List<RequestRule> rules = List.of(rule("/batch/**", "pool", pool, Priority.SHEDDABLE),
				rule("/**", "pool", pool, Priority.CRITICAL));
		PromiseGuard guard = PromiseGuard.shedders(rules, Duration.ofSeconds(1), LimiterCallListener.NONE,
				(name) -> false);
		BiPredicate<RequestRule, String> matches = (rule, path) -> rule.paths().stream()
			.anyMatch((pattern) -> pattern.equals("/**") || path.startsWith(pattern.replace("**", "")));
		Object batch = guard.admit("/batch/export", matches, (path) -> path);
		assertThat(batch).isInstanceOf(Promise[].class);
		assertThat(PromiseGuard.count((Promise[]) batch)).as("one slot, not one per matching rule").isOne();
		assertThat(pool.inFlight()).isOne();
		// the sheddable share of a cap of 2 is 1: a second batch request is refused, a critical one passes
		assertThat(guard.admit("/batch/export", matches, (path) -> path)).isInstanceOf(LimiterRejection.class);
		assertThat(guard.admit("/orders", matches, (path) -> path)).isInstanceOf(Promise[].class);
		assertThat(pool.inFlight()).isEqualTo(2);
	}

	private static RequestRule rule(String name, Shedder shedder) {
		return new RequestRule(List.of("/**"), List.of(), null, null, new RequestRule.Shedding(name, shedder));
	}

	private static RequestRule rule(String path, String name, Shedder shedder, Priority priority) {
		return new RequestRule(List.of(path), List.of(), null, null,
				new RequestRule.Shedding(name, shedder, priority));
	}

}
