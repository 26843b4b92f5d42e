package dev.limiter.boot.web;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared body of the filters that guard a request with promise-returning protections (breakers, shedders): ask
 * each matching rule's protection, answer a refusal at once (the promises already taken are
 * {@linkplain Promise#ignore() ignored}: the request says nothing about them), else run the chain and complete every
 * promise from the response. A protection in shadow mode that refuses is counted and logged, and the request goes
 * on without its promise. A request no rule matches goes straight down the chain, allocating nothing.
 */
abstract class PromiseGuardFilter implements Filter {

	private static final Logger logger = LoggerFactory.getLogger(PromiseGuardFilter.class);

	private final RequestRule[] rules;

	private final boolean[] shadow;

	private final LongAdder[] shadowRejections;

	private final LimiterResponseWriter writer;

	private final Duration retryAfter;

	private final LimiterCallListener listener;

	private final LimiterKind kind;

	private final LimiterRejection.Reason reason;

	private final GuardOutcome outcome;

	PromiseGuardFilter(RequestRule[] rules, LimiterResponseWriter writer, Duration retryAfter,
			LimiterCallListener listener, Predicate<String> shadow, LimiterKind kind, LimiterRejection.Reason reason,
			GuardOutcome outcome) {
		this.rules = rules;
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter must not be null");
		this.listener = Objects.requireNonNull(listener, "listener must not be null");
		Objects.requireNonNull(shadow, "shadow must not be null");
		this.kind = kind;
		this.reason = reason;
		this.outcome = outcome;
		this.shadow = new boolean[rules.length];
		this.shadowRejections = new LongAdder[rules.length];
		for (int i = 0; i < rules.length; i++) {
			this.shadow[i] = shadow.test(name(rules[i]));
			this.shadowRejections[i] = new LongAdder();
		}
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

	/**
	 * Returns how long the client of a request the rule's protection refused should wait.
	 * @param rule the rule whose protection refused
	 * @param minimum the least wait
	 * @return the wait, at least {@code minimum}
	 */
	abstract Duration retryAfter(RequestRule rule, Duration minimum);

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
		for (int i = 0; i < this.rules.length; i++) {
			RequestRule rule = this.rules[i];
			if (!rule.matches(request)) {
				continue;
			}
			Promise promise;
			try {
				promise = allow(rule);
			}
			catch (LimiterException ex) {
				String name = name(rule);
				if (this.shadow[i]) {
					this.listener.onCall(this.kind, name, LimiterCallListener.Outcome.SHADOW_REJECTED);
					this.shadowRejections[i].increment();
					logger.debug("{} '{}' (shadow mode) would have refused {} {}", this.kind.displayName(), name,
							request.getMethod(), request.getRequestURI());
					continue;
				}
				GuardOutcome.ignore(promises, count);
				this.listener.onCall(this.kind, name, LimiterCallListener.Outcome.REJECTED);
				LimiterRejection rejection = new LimiterRejection(this.reason, name,
						retryAfter(rule, this.retryAfter));
				request.setAttribute(LimiterRejection.REQUEST_ATTRIBUTE, rejection);
				this.writer.write(request, response, rejection);
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

	/**
	 * Returns how many requests the named protection refused in shadow mode (and let through).
	 * @param name the protection's name
	 * @return the count, summed over the rules using it
	 */
	public final long shadowRejections(String name) {
		long total = 0;
		for (int i = 0; i < this.rules.length; i++) {
			if (name(this.rules[i]).equals(name)) {
				total += this.shadowRejections[i].sum();
			}
		}
		return total;
	}

}
