package dev.limiter.boot.web;

import java.io.IOException;

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
 * this starter refused says nothing about the protected work: its promises are {@linkplain Promise#ignore()
 * ignored}, neither a success nor a failure, and a shedder records no response time for it ({@link GuardOutcome}).
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
			Promise[] promises, int count, GuardOutcome outcome) throws IOException, ServletException {
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

	static void complete(HttpServletRequest request, @Nullable Object earlierRejection, Promise[] promises, int count,
			GuardOutcome outcome, int status, @Nullable Throwable error) {
		boolean refused = GuardOutcome.refusedByLimiter(request.getAttribute(LimiterRejection.REQUEST_ATTRIBUTE),
				earlierRejection, error);
		outcome.complete(promises, count, refused, status, error);
	}

	private static final class Listener implements AsyncListener {

		private final HttpServletRequest request;

		private final @Nullable Object earlierRejection;

		private final Promise[] promises;

		private final int count;

		private final GuardOutcome outcome;

		private final HttpServletResponse response;

		private boolean completed;

		Listener(HttpServletRequest request, @Nullable Object earlierRejection, Promise[] promises, int count,
				GuardOutcome outcome, HttpServletResponse response) {
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
				GuardOutcome.reject(this.promises, this.count, "async timeout");
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
