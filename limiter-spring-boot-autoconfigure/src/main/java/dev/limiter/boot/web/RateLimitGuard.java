package dev.limiter.boot.web;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of the rate-limit filters that does not depend on the web stack: the rules with a rate limiter, and what
 * follows a limiter's decision. An enforcing limiter's decision writes its rate-limit headers, and a refusal becomes
 * the {@link LimiterRejection} to answer with; a limiter in shadow mode adds no headers and its refusals are counted
 * ({@link #shadowRejections(String)}) and logged at debug level. Each decision is told to the listener. Shared by
 * the servlet and the WebFlux filters; not meant for applications. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class RateLimitGuard {

	private static final Logger logger = LoggerFactory.getLogger(RateLimitGuard.class);

	private final RequestRule[] rules;

	private final CachedPolicy[] policies;

	private final LongAdder[] shadowRejections;

	private final RateLimitHeaders headers;

	private final LimiterCallListener listener;

	/**
	 * Creates the guard.
	 * @param rules the rules; those without a rate limiter are ignored
	 * @param headers writes the rate-limit headers
	 * @param listener told of every decision
	 */
	public RateLimitGuard(List<RequestRule> rules, RateLimitHeaders headers, LimiterCallListener listener) {
		this.listener = Objects.requireNonNull(listener, "listener must not be null");
		this.rules = RequestRule.having(Objects.requireNonNull(rules, "rules must not be null"),
				LimiterKind.RATE_LIMITER);
		this.headers = Objects.requireNonNull(headers, "headers must not be null");
		this.policies = new CachedPolicy[this.rules.length];
		this.shadowRejections = new LongAdder[this.rules.length];
		for (int i = 0; i < this.rules.length; i++) {
			this.policies[i] = CachedPolicy.of(this.rules[i].rateLimit().limiter());
			this.shadowRejections[i] = new LongAdder();
		}
	}

	/**
	 * Returns the rules with a rate limiter, in order; the array is the guard's own and must not be changed.
	 * @return the rules
	 */
	public RequestRule[] rules() {
		return this.rules;
	}

	/**
	 * Records the decision of a rule's limiter and, for an enforcing limiter, writes its headers on the response.
	 * @param <T> the type of the response
	 * @param rule the index of the rule in {@link #rules()}
	 * @param limiter the rule's limiter that decided
	 * @param key the request's key, for the log
	 * @param decision the decision
	 * @param response the response, not committed yet
	 * @param access reads and writes the response's headers
	 * @return the refusal to answer with, or {@code null} to go on
	 */
	public <T> @Nullable LimiterRejection decided(int rule, RateLimiter limiter, String key, Decision decision,
			T response, RateLimitHeaders.Access<T> access) {
		String name = limiter.name();
		if (decision.allowed()) {
			this.listener.onCall(LimiterKind.RATE_LIMITER, name, LimiterCallListener.Outcome.PERMITTED);
		}
		if (this.rules[rule].rateLimit().shadow()) {
			if (!decision.allowed()) {
				this.listener.onCall(LimiterKind.RATE_LIMITER, name, LimiterCallListener.Outcome.SHADOW_REJECTED);
				this.shadowRejections[rule].increment();
				if (logger.isDebugEnabled()) {
					logger.debug("Rate limiter '{}' (shadow mode) would have refused key '{}'", name, key);
				}
			}
			return null;
		}
		this.headers.write(response, access, policy(rule, limiter), decision);
		if (decision.allowed()) {
			return null;
		}
		this.listener.onCall(LimiterKind.RATE_LIMITER, name, LimiterCallListener.Outcome.REJECTED);
		return new LimiterRejection(LimiterRejection.Reason.RATE_LIMITED, name, decision.retryAfter());
	}

	/** The headers' policy of a limiter, recomputed when its spec was changed at run time. */
	private RateLimitHeaders.Policy policy(int rule, RateLimiter limiter) {
		CachedPolicy cached = this.policies[rule];
		if (cached.spec() != limiter.spec()) {
			cached = CachedPolicy.of(limiter);
			this.policies[rule] = cached; // racy but benign: an immutable value, recomputed at worst twice
		}
		return cached.policy();
	}

	/**
	 * Returns how many requests the named limiter refused in shadow mode (and let through).
	 * @param limiterName the limiter's name
	 * @return the count, summed over the rules using the limiter in shadow mode
	 */
	public long shadowRejections(String limiterName) {
		long total = 0;
		for (int i = 0; i < this.rules.length; i++) {
			if (this.rules[i].rateLimit().limiter().name().equals(limiterName)) {
				total += this.shadowRejections[i].sum();
			}
		}
		return total;
	}

	/**
	 * Returns whether any rule has a rate limiter; the filter need not be registered otherwise.
	 * @return whether the filter has work to do
	 */
	public boolean hasRules() {
		return this.rules.length > 0;
	}

	private record CachedPolicy(LimitSpec spec, RateLimitHeaders.Policy policy) {

		static CachedPolicy of(RateLimiter limiter) {
			return new CachedPolicy(limiter.spec(), RateLimitHeaders.policy(limiter));
		}

	}

}
