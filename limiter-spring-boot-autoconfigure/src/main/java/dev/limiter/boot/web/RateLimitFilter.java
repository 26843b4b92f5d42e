package dev.limiter.boot.web;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.core.ratelimit.RateLimiter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

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

	private final RateLimitGuard guard;

	private final FailSafeKeyResolver[] keys;

	private final LimiterResponseWriter writer;

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
		this.guard = new RateLimitGuard(rules, headers, listener);
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		RequestRule[] limited = this.guard.rules();
		this.keys = new FailSafeKeyResolver[limited.length];
		for (int i = 0; i < limited.length; i++) {
			this.keys[i] = new FailSafeKeyResolver(limited[i].rateLimit().key(),
					limited[i].rateLimit().limiter().name(), limited[i].toString(), listener);
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
		RequestRule[] rules = this.guard.rules();
		for (int i = 0; i < rules.length; i++) {
			if (!rules[i].matches(request)) {
				continue;
			}
			RateLimiter limiter = rules[i].rateLimit().limiter();
			String key = this.keys[i].resolve(request);
			LimiterRejection rejection = this.guard.decided(i, limiter, key, limiter.acquire(key), response,
					RateLimitHeaders.ServletAccess.INSTANCE);
			if (rejection != null) {
				request.setAttribute(LimiterRejection.REQUEST_ATTRIBUTE, rejection);
				this.writer.write(request, response, rejection);
				return;
			}
		}
		chain.doFilter(request, response);
	}

	/**
	 * Returns how many requests the named limiter refused in shadow mode (and let through).
	 * @param limiterName the limiter's name
	 * @return the count, summed over the rules using the limiter in shadow mode
	 */
	public long shadowRejections(String limiterName) {
		return this.guard.shadowRejections(limiterName);
	}

	/**
	 * Returns whether any rule has a rate limiter; the filter need not be registered otherwise.
	 * @return whether the filter has work to do
	 */
	public boolean hasRules() {
		return this.guard.hasRules();
	}

}
