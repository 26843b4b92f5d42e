package dev.limiter.boot.web;

import dev.limiter.boot.metrics.LimiterCallListener;
import jakarta.servlet.http.HttpServletRequest;

/**
 * One rule's {@link KeyResolver} as the rate-limit filter calls it: never throws and never returns {@code null}. A
 * request without a key, or whose key fails, is counted under {@link KeyResolver#ABSENT}; a failure is handled by
 * {@link KeyFailures}.
 */
final class FailSafeKeyResolver {

	private final KeyResolver resolver;

	private final KeyFailures failures;

	FailSafeKeyResolver(KeyResolver resolver, String limiterName, String rule, LimiterCallListener listener) {
		this.resolver = resolver;
		this.failures = new KeyFailures(limiterName, rule, listener);
	}

	String resolve(HttpServletRequest request) {
		String key;
		try {
			key = this.resolver.resolve(request);
		}
		catch (Exception ex) {
			return this.failures.failed(ex);
		}
		return (key != null) ? key : KeyResolver.ABSENT;
	}

}
