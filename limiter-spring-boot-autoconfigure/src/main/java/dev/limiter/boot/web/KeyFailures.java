package dev.limiter.boot.web;

import java.util.concurrent.atomic.AtomicBoolean;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when one rule's rate-limit key fails on a request, on every web stack: the request is counted under
 * {@link KeyResolver#ABSENT}, the failure is reported to the {@link LimiterCallListener} and logged at WARN the
 * first time for the rule, at DEBUG afterwards. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class KeyFailures {

	private static final Logger logger = LoggerFactory.getLogger(KeyResolver.class);

	private final String limiterName;

	private final String rule;

	private final LimiterCallListener listener;

	private final AtomicBoolean warned = new AtomicBoolean();

	/**
	 * Creates the failure handling of one rule.
	 * @param limiterName the rule's rate limiter
	 * @param rule the rule, as logged
	 * @param listener told of every failure
	 */
	public KeyFailures(String limiterName, String rule, LimiterCallListener listener) {
		this.limiterName = limiterName;
		this.rule = rule;
		this.listener = listener;
	}

	/**
	 * Reports a failed key.
	 * @param ex what the key threw
	 * @return the key the request is counted under, {@link KeyResolver#ABSENT}
	 */
	public String failed(Exception ex) {
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
		return KeyResolver.ABSENT;
	}

}
