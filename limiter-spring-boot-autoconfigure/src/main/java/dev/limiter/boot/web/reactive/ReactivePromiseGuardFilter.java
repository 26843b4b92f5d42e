package dev.limiter.boot.web.reactive;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.boot.web.GuardOutcome;
import dev.limiter.boot.web.LimiterRejection;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.core.LimiterException;
import dev.limiter.core.Promise;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * The shared body of the WebFlux filters that guard a request with promise-returning protections (breakers,
 * shedders), as the servlet stack's does: ask each matching rule's protection, answer a refusal at once (the
 * promises already taken are {@linkplain Promise#ignore() ignored}), else run the chain and complete every promise
 * when the exchange finishes ({@link GuardOutcome}): on completion from the response status, on an error from the
 * error, on cancel (the client went away) by ignoring them, which gives a shedder's slot back. An error that carries
 * an HTTP status ({@link ErrorResponse}, such as a 404 {@code ResponseStatusException}) counts as a response of that
 * status, as Spring MVC's exception resolvers answer such errors before a servlet filter sees them. A protection in
 * shadow mode that refuses is counted and logged, and the request goes on without its promise.
 */
abstract class ReactivePromiseGuardFilter implements WebFilter, Ordered {

	private static final Logger logger = LoggerFactory.getLogger(ReactivePromiseGuardFilter.class);

	private final RequestRule[] rules;

	private final boolean[] shadow;

	private final LongAdder[] shadowRejections;

	private final ReactiveLimiterResponseWriter writer;

	private final Duration retryAfter;

	private final LimiterCallListener listener;

	private final LimiterKind kind;

	private final LimiterRejection.Reason reason;

	private final GuardOutcome outcome;

	ReactivePromiseGuardFilter(List<RequestRule> rules, ReactiveLimiterResponseWriter writer, Duration retryAfter,
			LimiterCallListener listener, Predicate<String> shadow, LimiterKind kind, LimiterRejection.Reason reason,
			GuardOutcome outcome) {
		this.rules = RequestRule.having(Objects.requireNonNull(rules, "rules must not be null"), kind);
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter must not be null");
		this.listener = Objects.requireNonNull(listener, "listener must not be null");
		Objects.requireNonNull(shadow, "shadow must not be null");
		this.kind = kind;
		this.reason = reason;
		this.outcome = outcome;
		this.shadow = new boolean[this.rules.length];
		this.shadowRejections = new LongAdder[this.rules.length];
		for (int i = 0; i < this.rules.length; i++) {
			this.shadow[i] = shadow.test(name(this.rules[i]));
			this.shadowRejections[i] = new LongAdder();
		}
	}

	/**
	 * Asks the rule's protection for one call.
	 * @param rule a matching rule that has this filter's kind of protection
	 * @return the promise to complete when the exchange finishes
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
	public final Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		Promise[] promises = null;
		int count = 0;
		for (int i = 0; i < this.rules.length; i++) {
			RequestRule rule = this.rules[i];
			if (!rule.matches(request.getMethod().name(), request.getPath().pathWithinApplication())) {
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
							request.getMethod(), request.getPath());
					continue;
				}
				GuardOutcome.ignore(promises, count);
				this.listener.onCall(this.kind, name, LimiterCallListener.Outcome.REJECTED);
				LimiterRejection rejection = new LimiterRejection(this.reason, name,
						retryAfter(rule, this.retryAfter));
				exchange.getAttributes().put(LimiterRejection.REQUEST_ATTRIBUTE, rejection);
				return this.writer.write(exchange, rejection);
			}
			this.listener.onCall(this.kind, name(rule), LimiterCallListener.Outcome.PERMITTED);
			if (promises == null) {
				promises = new Promise[this.rules.length];
			}
			promises[count++] = promise;
		}
		if (promises == null) {
			return chain.filter(exchange);
		}
		Completion completion = new Completion(exchange, promises, count, this.outcome);
		return chain.filter(exchange).doOnError(completion::failed).doFinally(completion::finished);
	}

	/**
	 * Returns whether any rule has this filter's kind of protection.
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

	/** The promises of one exchange, completed once when it finishes. */
	private static final class Completion {

		private final ServerWebExchange exchange;

		private final @Nullable Object earlierRejection;

		private final Promise[] promises;

		private final int count;

		private final GuardOutcome outcome;

		private volatile @Nullable Throwable error;

		Completion(ServerWebExchange exchange, Promise[] promises, int count, GuardOutcome outcome) {
			this.exchange = exchange;
			// a refusal written further down the chain is a new attribute value: one left over from elsewhere is not
			this.earlierRejection = exchange.getAttribute(LimiterRejection.REQUEST_ATTRIBUTE);
			this.promises = promises;
			this.count = count;
			this.outcome = outcome;
		}

		void failed(Throwable error) {
			this.error = error;
		}

		void finished(SignalType signal) {
			if (signal == SignalType.CANCEL) {
				// the client went away: the request says nothing, and a shedder's slot is given back
				GuardOutcome.ignore(this.promises, this.count);
				return;
			}
			Throwable failure = (signal == SignalType.ON_ERROR) ? this.error : null;
			int status = status(this.exchange.getResponse().getStatusCode());
			if (failure instanceof ErrorResponse response) {
				status = response.getStatusCode().value();
				failure = null;
			}
			boolean refused = GuardOutcome.refusedByLimiter(
					this.exchange.getAttribute(LimiterRejection.REQUEST_ATTRIBUTE), this.earlierRejection, failure);
			this.outcome.complete(this.promises, this.count, refused, status, failure);
		}

		private static int status(@Nullable HttpStatusCode status) {
			return (status != null) ? status.value() : 200;
		}

	}

}
