package dev.limiter.boot.web;

import java.io.IOException;

import dev.limiter.core.LimiterException;
import dev.limiter.core.Promise;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

/**
 * Runs the rest of a filter chain and completes the promises of the breakers or shedders that let the request in,
 * once the response is known: at once, or when an asynchronous request completes. A request another protection of
 * this starter refused (the {@link LimiterRejection#REQUEST_ATTRIBUTE} is set, or the chain threw a
 * {@link LimiterException}) says nothing about the protected work: its promises are {@linkplain Promise#ignore()
 * ignored}, neither a success nor a failure, and a shedder records no response time for it.
 */
final class PromiseCompletion {

	private PromiseCompletion() {
	}

	/**
	 * Runs the chain, then completes the promises.
	 * @param request the request
	 * @param response the response
	 * @param chain the rest of the chain
	 * @param promises the promises, {@code count} of them from index 0
	 * @param count how many promises there are
	 * @param outcome which responses count as failures
	 */
	static void proceed(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
			Promise[] promises, int count, Outcome outcome) throws IOException, ServletException {
		// a refusal written further down the chain is a new attribute value: one left over from elsewhere is not
		Object earlierRejection = request.getAttribute(LimiterRejection.REQUEST_ATTRIBUTE);
		try {
			chain.doFilter(request, response);
		}
		catch (Throwable ex) {
			complete(request, earlierRejection, promises, count, outcome, response.getStatus(), ex);
			throw ex;
		}
		if (request.isAsyncStarted()) {
			request.getAsyncContext()
				.addListener(new Listener(request, earlierRejection, promises, count, outcome, response));
			return;
		}
		complete(request, earlierRejection, promises, count, outcome, response.getStatus(), null);
	}

	/**
	 * Ignores the promises of a request refused by a later breaker or shedder: it says nothing about them.
	 * @param promises the promises
	 * @param count how many there are
	 */
	static void ignore(Promise @Nullable [] promises, int count) {
		for (int i = 0; i < count; i++) {
			promises[i].ignore();
		}
	}

	static void reject(Promise[] promises, int count, String reason) {
		for (int i = 0; i < count; i++) {
			promises[i].reject(reason);
		}
	}

	static void complete(HttpServletRequest request, @Nullable Object earlierRejection, Promise[] promises, int count,
			Outcome outcome, int status, @Nullable Throwable error) {
		if (refusedByLimiter(request, earlierRejection, error)) {
			ignore(promises, count);
		}
		else if (outcome.failed(status, error)) {
			String reason = (error != null) ? error.getClass().getName() : "status " + status;
			reject(promises, count, reason);
		}
		else {
			for (int i = 0; i < count; i++) {
				promises[i].accept();
			}
		}
	}

	/**
	 * Returns whether a protection of this starter refused the request further down the chain.
	 * @param request the request
	 * @param earlierRejection the refusal attribute before the chain ran, or {@code null}
	 * @param error what the chain threw, or {@code null}
	 * @return whether the chain set the refusal attribute or the error is (or wraps) a {@link LimiterException}
	 */
	static boolean refusedByLimiter(HttpServletRequest request, @Nullable Object earlierRejection,
			@Nullable Throwable error) {
		Object rejection = request.getAttribute(LimiterRejection.REQUEST_ATTRIBUTE);
		if (rejection != null && rejection != earlierRejection) {
			return true;
		}
		Throwable cause = error;
		for (int depth = 0; cause != null && depth < 4; depth++) {
			if (cause instanceof LimiterException) {
				return true;
			}
			cause = cause.getCause();
		}
		return false;
	}

	/** Which responses count as failures. */
	@FunctionalInterface
	interface Outcome {

		/**
		 * Returns whether the request failed.
		 * @param status the response status
		 * @param error what the chain threw, or {@code null}
		 * @return whether to reject the promises
		 */
		boolean failed(int status, @Nullable Throwable error);

	}

	private static final class Listener implements AsyncListener {

		private final HttpServletRequest request;

		private final @Nullable Object earlierRejection;

		private final Promise[] promises;

		private final int count;

		private final Outcome outcome;

		private final HttpServletResponse response;

		private boolean completed;

		Listener(HttpServletRequest request, @Nullable Object earlierRejection, Promise[] promises, int count,
				Outcome outcome, HttpServletResponse response) {
			this.request = request;
			this.earlierRejection = earlierRejection;
			this.promises = promises;
			this.count = count;
			this.outcome = outcome;
			this.response = response;
		}

		@Override
		public synchronized void onComplete(AsyncEvent event) {
			if (!this.completed) {
				this.completed = true;
				complete(this.request, this.earlierRejection, this.promises, this.count, this.outcome,
						this.response.getStatus(), null);
			}
		}

		@Override
		public synchronized void onTimeout(AsyncEvent event) {
			if (!this.completed) {
				this.completed = true;
				// A timed-out request is answered with a 503: a failure for breakers and shedders alike.
				reject(this.promises, this.count, "async timeout");
			}
		}

		@Override
		public synchronized void onError(AsyncEvent event) {
			if (!this.completed) {
				this.completed = true;
				Throwable error = (event.getThrowable() != null) ? event.getThrowable() : new IllegalStateException();
				complete(this.request, this.earlierRejection, this.promises, this.count, this.outcome,
						this.response.getStatus(), error);
			}
		}

		@Override
		public void onStartAsync(AsyncEvent event) {
			event.getAsyncContext().addListener(this);
		}

	}

}
