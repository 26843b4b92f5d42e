package dev.limiter.boot.web.reactive;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiPredicate;
import java.util.function.Function;

import dev.limiter.boot.web.GuardOutcome;
import dev.limiter.boot.web.LimiterRejection;
import dev.limiter.boot.web.PromiseGuard;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.core.Promise;
import org.jspecify.annotations.Nullable;
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
 * shadow mode that refuses is counted and logged, and the request goes on without its promise ({@link PromiseGuard}).
 */
abstract class ReactivePromiseGuardFilter implements WebFilter, Ordered {

	private static final BiPredicate<RequestRule, ServerHttpRequest> MATCHES = (rule, request) -> rule
		.matches(request.getMethod().name(), request.getPath().pathWithinApplication());

	private static final Function<ServerHttpRequest, String> DESCRIBE = (request) -> request.getMethod() + " "
			+ request.getPath();

	private final PromiseGuard guard;

	private final ReactiveLimiterResponseWriter writer;

	ReactivePromiseGuardFilter(PromiseGuard guard, ReactiveLimiterResponseWriter writer) {
		this.guard = guard;
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
	}

	@Override
	public final Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		Object admission = this.guard.admit(exchange.getRequest(), MATCHES, DESCRIBE);
		if (admission == null) {
			return chain.filter(exchange);
		}
		if (admission instanceof LimiterRejection rejection) {
			exchange.getAttributes().put(LimiterRejection.REQUEST_ATTRIBUTE, rejection);
			return this.writer.write(exchange, rejection);
		}
		Promise[] promises = (Promise[]) admission;
		Completion completion = new Completion(exchange, promises, PromiseGuard.count(promises),
				this.guard.outcome());
		// outcomes are taken as the chain ends, before the end travels on: an error's before the exception handlers
		// answer the client (whose next request then meets a breaker that knows it), a response's once it is written
		return chain.filter(exchange)
			.doOnSuccess((ignored) -> completion.finished(SignalType.ON_COMPLETE))
			.doOnError((error) -> {
				completion.failed(error);
				completion.finished(SignalType.ON_ERROR);
			})
			.doOnCancel(() -> completion.finished(SignalType.CANCEL));
	}

	/**
	 * Returns whether any rule has this filter's kind of protection.
	 * @return whether the filter has work to do
	 */
	public final boolean hasRules() {
		return this.guard.hasRules();
	}

	/**
	 * Returns how many requests the named protection refused in shadow mode (and let through).
	 * @param name the protection's name
	 * @return the count, summed over the rules using it
	 */
	public final long shadowRejections(String name) {
		return this.guard.shadowRejections(name);
	}

	/** The promises of one exchange, completed once when it finishes. */
	private static final class Completion {

		private final ServerWebExchange exchange;

		private final @Nullable Object earlierRejection;

		private final Promise[] promises;

		private final int count;

		private final GuardOutcome outcome;

		private static final AtomicIntegerFieldUpdater<Completion> FINISHED = AtomicIntegerFieldUpdater
			.newUpdater(Completion.class, "finished");

		private volatile @Nullable Throwable error;

		private volatile int finished;

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
			if (!FINISHED.compareAndSet(this, 0, 1)) {
				return;
			}
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
