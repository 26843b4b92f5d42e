package dev.limiter.boot.web;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies rate limits by rule: 429 when a key's quota is used up.
 *
 * <p>For each rule with a rate limiter that matches the request (in order; every matching rule applies, so a global
 * limit and a per-route limit can stack) the filter resolves the request's key ({@link KeyResolver}; requests without
 * one, or whose key throws, share {@link KeyResolver#ABSENT}) and takes one permit. Allowed requests get the rate-limit
 * headers of every
 * enforcing limiter ({@link RateLimitHeaders}). The first refusal of an enforcing limiter writes its headers and is
 * answered through the {@link LimiterResponseWriter} (429, {@code Retry-After}); later rules are not consulted, and
 * permits earlier rules took are not given back. A
 * limiter in shadow mode never refuses and adds no headers: its refusals are counted
 * ({@link #shadowRejections(String)}) and logged at debug level.
 *
 * <p>The starter registers it twice: rules whose key needs the authenticated user (the {@code principal} key, or
 * an expression naming the principal or the authentication) run after Spring Security's filter chain
 * ({@link #DEFAULT_ORDER}); the others run before it ({@link #BEFORE_SECURITY_ORDER}), so that they also count the
 * requests Security answers itself, such as form-login POSTs. Each registration applies only its own rules: nothing
 * is counted twice. A refusal sets {@link LimiterRejection#REQUEST_ATTRIBUTE}. A request no rule matches goes straight
 * down the chain, allocating nothing. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class RateLimitFilter implements Filter {

	/** The default order: just after Spring Security's filter chain (-100). */
	public static final int DEFAULT_ORDER = -90;

	/**
	 * The order of the rules whose keys do not need the authenticated user: just before Spring Security's filter
	 * chain (-100), after the {@link LoadSheddingFilter}.
	 */
	public static final int BEFORE_SECURITY_ORDER = -110;

	private static final Logger logger = LoggerFactory.getLogger(RateLimitFilter.class);

	private final RequestRule[] rules;

	private final CachedPolicy[] policies;

	private final FailSafeKeyResolver[] keys;

	private final LongAdder[] shadowRejections;

	private final RateLimitHeaders headers;

	private final LimiterResponseWriter writer;

	private final LimiterCallListener listener;

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a rate limiter are ignored
	 * @param headers writes the rate-limit headers
	 * @param writer writes refusals
	 */
	public RateLimitFilter(List<RequestRule> rules, RateLimitHeaders headers, LimiterResponseWriter writer) {
		this(rules, headers, writer, LimiterCallListener.NONE);
	}

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a rate limiter are ignored
	 * @param headers writes the rate-limit headers
	 * @param writer writes refusals
	 * @param listener told of every decision
	 */
	public RateLimitFilter(List<RequestRule> rules, RateLimitHeaders headers, LimiterResponseWriter writer,
			LimiterCallListener listener) {
		this.listener = Objects.requireNonNull(listener, "listener must not be null");
		this.rules = RequestRule.having(Objects.requireNonNull(rules, "rules must not be null"),
				LimiterKind.RATE_LIMITER);
		this.headers = Objects.requireNonNull(headers, "headers must not be null");
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		this.policies = new CachedPolicy[this.rules.length];
		this.shadowRejections = new LongAdder[this.rules.length];
		this.keys = new FailSafeKeyResolver[this.rules.length];
		for (int i = 0; i < this.rules.length; i++) {
			RateLimiter limiter = this.rules[i].rateLimit().limiter();
			this.policies[i] = CachedPolicy.of(limiter);
			this.keys[i] = new FailSafeKeyResolver(this.rules[i].rateLimit().key(), limiter.name(),
					this.rules[i].toString(), listener);
			this.shadowRejections[i] = new LongAdder();
		}
	}

	@Override
	public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
			throws IOException, ServletException {
		if (!(servletRequest instanceof HttpServletRequest request)
				|| !(servletResponse instanceof HttpServletResponse response)) {
			chain.doFilter(servletRequest, servletResponse);
			return;
		}
		for (int i = 0; i < this.rules.length; i++) {
			RequestRule rule = this.rules[i];
			if (!rule.matches(request)) {
				continue;
			}
			RequestRule.RateLimit rateLimit = rule.rateLimit();
			RateLimiter limiter = rateLimit.limiter();
			String key = this.keys[i].resolve(request);
			Decision decision = limiter.acquire(key);
			String name = limiter.name();
			if (decision.allowed()) {
				this.listener.onCall(LimiterKind.RATE_LIMITER, name, LimiterCallListener.Outcome.PERMITTED);
			}
			if (rateLimit.shadow()) {
				if (!decision.allowed()) {
					this.listener.onCall(LimiterKind.RATE_LIMITER, name, LimiterCallListener.Outcome.SHADOW_REJECTED);
					this.shadowRejections[i].increment();
					if (logger.isDebugEnabled()) {
						logger.debug("Rate limiter '{}' (shadow mode) would have refused key '{}'", name, key);
					}
				}
				continue;
			}
			this.headers.write(response, policy(i, limiter), decision);
			if (!decision.allowed()) {
				this.listener.onCall(LimiterKind.RATE_LIMITER, name, LimiterCallListener.Outcome.REJECTED);
				LimiterRejection rejection = new LimiterRejection(LimiterRejection.Reason.RATE_LIMITED, name,
						decision.retryAfter());
				request.setAttribute(LimiterRejection.REQUEST_ATTRIBUTE, rejection);
				this.writer.write(request, response, rejection);
				return;
			}
		}
		chain.doFilter(request, response);
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
