package dev.limiter.boot.web;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.core.Promise;
import dev.limiter.core.shedding.OverloadException;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;

/**
 * Refuses requests at once, before any other work, while a load shedder says the process is overloaded.
 *
 * <p>For each rule with a load shedder that matches the request (in order) the filter asks the shedder; a refusal
 * is answered through the {@link LimiterResponseWriter} (503, {@code Retry-After}) and the rest of the chain is not
 * called. Otherwise the request proceeds and, when its response is known, each shedder's promise is completed as
 * go-zero's shedding handler does: a 503 response is a failure ({@link Promise#reject(String)}), any other status,
 * including a 500 or an exception, is a pass ({@link Promise#accept()}). Asynchronous requests complete the
 * promise when they finish.
 *
 * <p>Runs first among the limiter filters ({@link #DEFAULT_ORDER}): shedding is cheapest when nothing else has run.
 * A request no rule matches goes straight down the chain, allocating nothing. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LoadSheddingFilter implements Filter {

	/** The default order: very early, before security and the other limiter filters. */
	public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 50;

	private static final PromiseCompletion.Outcome OUTCOME = (status, error) -> error == null && status == 503;

	private final RequestRule[] rules;

	private final LimiterResponseWriter writer;

	private final Duration retryAfter;

	private final LimiterCallListener listener;

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a load shedder are ignored
	 * @param writer writes refusals
	 * @param retryAfter the {@code Retry-After} of refusals
	 */
	public LoadSheddingFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter) {
		this(rules, writer, retryAfter, LimiterCallListener.NONE);
	}

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a load shedder are ignored
	 * @param writer writes refusals
	 * @param retryAfter the {@code Retry-After} of refusals
	 * @param listener told of every decision
	 */
	public LoadSheddingFilter(List<RequestRule> rules, LimiterResponseWriter writer, Duration retryAfter,
			LimiterCallListener listener) {
		this.listener = Objects.requireNonNull(listener, "listener must not be null");
		this.rules = RequestRule.having(Objects.requireNonNull(rules, "rules must not be null"), false, false, true);
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter must not be null");
	}

	@Override
	public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
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
			RequestRule.Shedding shedding = rule.shedding();
			Promise promise;
			try {
				promise = shedding.shedder().allow();
			}
			catch (OverloadException ex) {
				PromiseCompletion.reject(promises, count, "shed by " + shedding.name());
				this.listener.onCall(LimiterKind.LOAD_SHEDDER, shedding.name(), LimiterCallListener.Outcome.REJECTED);
				this.writer.write(request, response,
						new LimiterRejection(LimiterRejection.Reason.OVERLOADED, shedding.name(), this.retryAfter));
				return;
			}
			this.listener.onCall(LimiterKind.LOAD_SHEDDER, shedding.name(), LimiterCallListener.Outcome.PERMITTED);
			if (promises == null) {
				promises = new Promise[this.rules.length];
			}
			promises[count++] = promise;
		}
		if (promises == null) {
			chain.doFilter(request, response);
			return;
		}
		PromiseCompletion.proceed(request, response, chain, promises, count, OUTCOME);
	}

	/**
	 * Returns whether any rule has a load shedder; the filter need not be registered otherwise.
	 * @return whether the filter has work to do
	 */
	public boolean hasRules() {
		return this.rules.length > 0;
	}

}
