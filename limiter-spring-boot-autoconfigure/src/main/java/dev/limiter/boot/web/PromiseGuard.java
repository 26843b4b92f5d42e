package dev.limiter.boot.web;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.core.LimiterException;
import dev.limiter.core.Promise;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of the web filters that guard requests with promise-returning protections (breakers, shedders) that does
 * not depend on the web stack: for each rule with a protection of one kind that matches the request, ask the
 * protection; on a refusal, {@linkplain Promise#ignore() ignore} the promises already taken (the request says
 * nothing about them) and answer it; else collect the promises, to be completed from the response
 * ({@link #outcome()}). A protection is asked once per request, by the first matching rule that names it (its
 * priority applies), however many of its rules match. A protection in shadow mode that refuses is counted and
 * logged, and the request goes on without its promise. Shared by the servlet and the WebFlux filters; not meant
 * for applications. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class PromiseGuard {

	private static final Logger logger = LoggerFactory.getLogger(PromiseGuard.class);

	private final LimiterKind kind;

	private final RequestRule[] rules;

	private final String[] names;

	private final boolean[] shadow;

	private final LongAdder[] shadowRejections;

	/** For each rule, the earlier rules naming the same protection: when one of them matches, this one is skipped. */
	private final int[][] earlierOfSameProtection;

	private final Duration retryAfter;

	private final LimiterCallListener listener;

	private PromiseGuard(LimiterKind kind, List<RequestRule> rules, Duration retryAfter, LimiterCallListener listener,
			Predicate<String> shadow) {
		this.kind = kind;
		this.rules = RequestRule.having(Objects.requireNonNull(rules, "rules must not be null"), kind);
		this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter must not be null");
		this.listener = Objects.requireNonNull(listener, "listener must not be null");
		Objects.requireNonNull(shadow, "shadow must not be null");
		this.names = new String[this.rules.length];
		this.shadow = new boolean[this.rules.length];
		this.shadowRejections = new LongAdder[this.rules.length];
		for (int i = 0; i < this.rules.length; i++) {
			this.names[i] = (kind == LimiterKind.CIRCUIT_BREAKER) ? this.rules[i].breaker().name()
					: this.rules[i].shedding().name();
			this.shadow[i] = shadow.test(this.names[i]);
			this.shadowRejections[i] = new LongAdder();
		}
		this.earlierOfSameProtection = new int[this.rules.length][];
		for (int i = 0; i < this.rules.length; i++) {
			String name = this.names[i];
			this.earlierOfSameProtection[i] = IntStream.range(0, i).filter((j) -> this.names[j].equals(name)).toArray();
		}
	}

	/**
	 * Creates the guard of the rules' circuit breakers.
	 * @param rules the rules; those without a circuit breaker are ignored
	 * @param retryAfter the least {@code Retry-After} of refusals
	 * @param listener told of every decision
	 * @param shadow says which breakers run in shadow mode, by name
	 * @return the guard
	 */
	public static PromiseGuard breakers(List<RequestRule> rules, Duration retryAfter, LimiterCallListener listener,
			Predicate<String> shadow) {
		return new PromiseGuard(LimiterKind.CIRCUIT_BREAKER, rules, retryAfter, listener, shadow);
	}

	/**
	 * Creates the guard of the rules' load shedders.
	 * @param rules the rules; those without a load shedder are ignored
	 * @param retryAfter the least {@code Retry-After} of refusals
	 * @param listener told of every decision
	 * @param shadow says which shedders run in shadow mode, by name
	 * @return the guard
	 */
	public static PromiseGuard shedders(List<RequestRule> rules, Duration retryAfter, LimiterCallListener listener,
			Predicate<String> shadow) {
		return new PromiseGuard(LimiterKind.LOAD_SHEDDER, rules, retryAfter, listener, shadow);
	}

	/**
	 * Asks the protection of every rule that matches the request, in order, for one call; a protection that an
	 * earlier matching rule named is not asked again.
	 * @param <R> the type of the request
	 * @param request the request
	 * @param matches whether a rule applies to a request; a constant, so that a request no rule matches allocates
	 * nothing
	 * @param describe describes a request for the log, such as {@code GET /orders}
	 * @return {@code null} when no protection took the request in (it goes straight on, and nothing was allocated);
	 * a {@code Promise[]} of the promises to complete when the response is known, from index 0 and followed by
	 * {@code null}s ({@link #count(Promise[])}); or the {@link LimiterRejection} to answer with when an enforcing
	 * protection refused (the promises taken before are ignored)
	 */
	public <R> @Nullable Object admit(R request, BiPredicate<RequestRule, R> matches,
			Function<R, String> describe) {
		Promise[] promises = null;
		int count = 0;
		for (int i = 0; i < this.rules.length; i++) {
			RequestRule rule = this.rules[i];
			if (!matches.test(rule, request) || askedByAnEarlierRule(i, request, matches)) {
				continue;
			}
			Promise promise;
			try {
				promise = allow(rule);
			}
			catch (RuntimeException ex) {
				if (!(ex instanceof LimiterException)) {
					// not a refusal: give back what the earlier rules admitted, then fail as before
					GuardOutcome.ignore(promises, count);
					throw ex;
				}
				if (this.shadow[i]) {
					this.listener.onCall(this.kind, this.names[i], LimiterCallListener.Outcome.SHADOW_REJECTED);
					this.shadowRejections[i].increment();
					if (logger.isDebugEnabled()) {
						logger.debug("{} '{}' (shadow mode) would have refused {}", this.kind.displayName(),
								this.names[i], describe.apply(request));
					}
					continue;
				}
				GuardOutcome.ignore(promises, count);
				this.listener.onCall(this.kind, this.names[i], LimiterCallListener.Outcome.REJECTED);
				return new LimiterRejection(reason(), this.names[i], retryAfter(rule));
			}
			this.listener.onCall(this.kind, this.names[i], LimiterCallListener.Outcome.PERMITTED);
			if (promises == null) {
				promises = new Promise[this.rules.length];
			}
			promises[count++] = promise;
		}
		return promises;
	}

	private <R> boolean askedByAnEarlierRule(int rule, R request, BiPredicate<RequestRule, R> matches) {
		for (int earlier : this.earlierOfSameProtection[rule]) {
			if (matches.test(this.rules[earlier], request)) {
				return true;
			}
		}
		return false;
	}

	private Promise allow(RequestRule rule) {
		return (this.kind == LimiterKind.CIRCUIT_BREAKER) ? rule.breaker().allow()
				: rule.shedding().shedder().allow(rule.shedding().priority());
	}

	private LimiterRejection.Reason reason() {
		return (this.kind == LimiterKind.CIRCUIT_BREAKER) ? LimiterRejection.Reason.BREAKER_OPEN
				: LimiterRejection.Reason.OVERLOADED;
	}

	private Duration retryAfter(RequestRule rule) {
		return (this.kind == LimiterKind.CIRCUIT_BREAKER) ? RetryAfters.breaker(rule.breaker(), this.retryAfter)
				: RetryAfters.shedder(rule.shedding().shedder(), this.retryAfter);
	}

	/**
	 * Returns how many promises {@link #admit} collected.
	 * @param promises the promises, followed by {@code null}s
	 * @return how many there are
	 */
	public static int count(Promise[] promises) {
		int count = 0;
		while (count < promises.length && promises[count] != null) {
			count++;
		}
		return count;
	}

	/**
	 * Returns which responses count as failures for this guard's kind of protection.
	 * @return {@link GuardOutcome#BREAKER} or {@link GuardOutcome#SHEDDER}
	 */
	public GuardOutcome outcome() {
		return (this.kind == LimiterKind.CIRCUIT_BREAKER) ? GuardOutcome.BREAKER : GuardOutcome.SHEDDER;
	}

	/**
	 * Returns whether any rule has this guard's kind of protection; its filter need not be registered otherwise.
	 * @return whether the guard has work to do
	 */
	public boolean hasRules() {
		return this.rules.length > 0;
	}

	/**
	 * Returns how many requests the named protection refused in shadow mode (and let through).
	 * @param name the protection's name
	 * @return the count, summed over the rules using it
	 */
	public long shadowRejections(String name) {
		long total = 0;
		for (int i = 0; i < this.rules.length; i++) {
			if (this.names[i].equals(name)) {
				total += this.shadowRejections[i].sum();
			}
		}
		return total;
	}

}
