package dev.limiter.boot.web;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.core.LimiterException;
import dev.limiter.core.Promise;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The shared body of the filters that guard a request with promise-returning protections (breakers, shedders): ask
 * each matching rule's protection, answer a refusal at once (completing the promises already taken as failures),
 * else run the chain and complete every promise from the response. A request no rule matches goes straight down the
 * chain, allocating nothing.
 */
abstract class PromiseGuardFilter implements Filter {

	private final RequestRule[] rules;

	private final LimiterResponseWriter writer;

	private final Duration retryAfter;

	private final LimiterCallListener listener;

	private final LimiterKind kind;

	private final LimiterRejection.Reason reason;

	private final String refusalVerb;

	private final PromiseCompletion.Outcome outcome;

	PromiseGuardFilter(RequestRule[] rules, LimiterResponseWriter writer, Duration retryAfter,
			LimiterCallListener listener, LimiterKind kind, LimiterRejection.Reason reason, String refusalVerb,
			PromiseCompletion.Outcome outcome) {
		this.rules = rules;
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter must not be null");
		this.listener = Objects.requireNonNull(listener, "listener must not be null");
		this.kind = kind;
		this.reason = reason;
		this.refusalVerb = refusalVerb;
		this.outcome = outcome;
	}

	static List<RequestRule> requireRules(List<RequestRule> rules) {
		return Objects.requireNonNull(rules, "rules must not be null");
	}

	/**
	 * Asks the rule's protection for one call.
	 * @param rule a matching rule that has this filter's kind of protection
	 * @return the promise to complete when the response is known
	 * @throws LimiterException if the protection refuses the request
	 */
	abstract Promise allow(RequestRule rule);

	/**
	 * Returns the name of the rule's protection.
	 * @param rule a rule that has this filter's kind of protection
	 * @return the name
	 */
	abstract String name(RequestRule rule);

	@Override
	public final void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
			throws IOException, ServletException {
		if (!(servletRequest instanceof HttpServletRequest request)
				|| !(servletResponse instanceof HttpServletResponse response)) {
			chain.doFilter(servletRequest, servletResponse);
			return;
		}
		Promise[] promises = null;
		int count = 0;
		for (RequestRule rule : this.rules) {
			if (!rule.matches(request)) {
				continue;
			}
			Promise promise;
			try {
				promise = allow(rule);
			}
			catch (LimiterException ex) {
				String name = name(rule);
				PromiseCompletion.reject(promises, count, this.refusalVerb + " " + name);
				this.listener.onCall(this.kind, name, LimiterCallListener.Outcome.REJECTED);
				this.writer.write(request, response, new LimiterRejection(this.reason, name, this.retryAfter));
				return;
			}
			this.listener.onCall(this.kind, name(rule), LimiterCallListener.Outcome.PERMITTED);
			if (promises == null) {
				promises = new Promise[this.rules.length];
			}
			promises[count++] = promise;
		}
		if (promises == null) {
			chain.doFilter(request, response);
			return;
		}
		PromiseCompletion.proceed(request, response, chain, promises, count, this.outcome);
	}

	/**
	 * Returns whether any rule has this filter's kind of protection; the filter need not be registered otherwise.
	 * @return whether the filter has work to do
	 */
	public final boolean hasRules() {
		return this.rules.length > 0;
	}

}
