package dev.limiter.boot.web;

import java.util.concurrent.atomic.AtomicBoolean;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rule's {@link KeyResolver} as the rate-limit filter calls it: never throws and never returns {@code null}. A
 * request without a key, or whose key fails, is counted under {@link KeyResolver#ABSENT}; a failure is reported to
 * the {@link LimiterCallListener} and logged at WARN the first time for the rule, at DEBUG afterwards.
 */
final class FailSafeKeyResolver {

	private static final Logger logger = LoggerFactory.getLogger(KeyResolver.class);

	private final KeyResolver resolver;

	private final String limiterName;

	private final String rule;

	private final LimiterCallListener listener;

	private final AtomicBoolean warned = new AtomicBoolean();

	FailSafeKeyResolver(KeyResolver resolver, String limiterName, String rule, LimiterCallListener listener) {
		this.resolver = resolver;
		this.limiterName = limiterName;
		this.rule = rule;
		this.listener = listener;
	}

	String resolve(HttpServletRequest request) {
		String key;
		try {
			key = this.resolver.resolve(request);
		}
		catch (Exception ex) {
			failed(ex);
			return KeyResolver.ABSENT;
		}
		return (key != null) ? key : KeyResolver.ABSENT;
	}

	private void failed(Exception ex) {
		this.listener.onKeyFailure(LimiterKind.RATE_LIMITER, this.limiterName);
		if (!this.warned.get() && this.warned.compareAndSet(false, true)) {
			logger.warn("Key of rate limiter '{}' failed on a request matching {}; such requests share the key '{}'"
					+ " (logged once per rule, then at debug level)", this.limiterName, this.rule, KeyResolver.ABSENT,
					ex);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Key of rate limiter '{}' failed on a request matching {}: {}", this.limiterName, this.rule,
					ex.toString());
		}
	}

}
