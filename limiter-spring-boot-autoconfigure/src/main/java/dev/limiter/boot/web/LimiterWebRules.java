package dev.limiter.boot.web;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The web rules in order, compiled once at start-up from {@code limiter.web.rules}, with those whose rate-limit key
 * needs the authenticated user: their rate limits apply after Spring Security's filter chain, the others' before it
 * (see {@link RateLimitFilter}).
 *
 * @param rules the rules
 * @param needingPrincipal the rules (by identity) whose key needs the authenticated user
 * @author limiter
 * @since 0.1.0
 */
public record LimiterWebRules(List<RequestRule> rules, Set<RequestRule> needingPrincipal) {

	/** Copies the rules. */
	public LimiterWebRules {
		rules = List.copyOf(rules);
		Set<RequestRule> identities = Collections.newSetFromMap(new IdentityHashMap<>());
		identities.addAll(needingPrincipal);
		needingPrincipal = Collections.unmodifiableSet(identities);
	}

	/**
	 * Creates the rules, every rate limit applying after Spring Security's filter chain.
	 * @param rules the rules
	 */
	public LimiterWebRules(List<RequestRule> rules) {
		this(rules, Set.copyOf(rules));
	}

	/**
	 * Returns the rules whose rate limits apply before Spring Security's filter chain, in order.
	 * @return the rules whose key does not need the authenticated user
	 */
	public List<RequestRule> rulesBeforeSecurity() {
		return select(false);
	}

	/**
	 * Returns the rules whose rate limits apply after Spring Security's filter chain, in order.
	 * @return the rules whose key needs the authenticated user
	 */
	public List<RequestRule> rulesAfterSecurity() {
		return select(true);
	}

	private List<RequestRule> select(boolean principal) {
		List<RequestRule> selected = new ArrayList<>();
		for (RequestRule rule : this.rules) {
			if (this.needingPrincipal.contains(rule) == principal) {
				selected.add(rule);
			}
		}
		return selected;
	}

}
