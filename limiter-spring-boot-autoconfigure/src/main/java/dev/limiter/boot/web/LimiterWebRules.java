package dev.limiter.boot.web;

import java.util.List;

/**
 * The web rules in order, compiled once at start-up from {@code limiter.web.rules}.
 *
 * @param rules the rules
 * @author limiter
 * @since 0.1.0
 */
public record LimiterWebRules(List<RequestRule> rules) {

	/** Copies the rules. */
	public LimiterWebRules {
		rules = List.copyOf(rules);
	}

}
