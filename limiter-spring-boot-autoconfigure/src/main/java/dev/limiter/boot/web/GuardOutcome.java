package dev.limiter.boot.web;

import dev.limiter.core.LimiterException;
import dev.limiter.core.Promise;
import org.jspecify.annotations.Nullable;

/**
 * How the promises of the breakers or shedders that let a request in are completed once its response is known, on
 * every web stack. A request another protection of this starter refused further down the chain (the
 * {@link LimiterRejection#REQUEST_ATTRIBUTE} was set there, or the chain failed with a {@link LimiterException})
 * says nothing about the protected work: its promises are {@linkplain Promise#ignore() ignored}. Otherwise the
 * response is a failure ({@link Promise#reject(String)}) or not ({@link Promise#accept()}) as the kind of
 * protection decides: {@link #BREAKER} or {@link #SHEDDER}. Immutable and thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class GuardOutcome {

	/** A breaker's view, as go-zero's breaker handler: a status of 500 or more, or an error, is a failure. */
	public static final GuardOutcome BREAKER = new GuardOutcome(true);

	/**
	 * A shedder's view, as go-zero's shedding handler: a 503 is a failure; any other status, including a 500 or an
	 * error, is a pass.
	 */
	public static final GuardOutcome SHEDDER = new GuardOutcome(false);

	private final boolean breaker;

	private GuardOutcome(boolean breaker) {
		this.breaker = breaker;
	}

	/**
	 * Returns whether the request failed.
	 * @param status the response status
	 * @param error what the chain failed with, or {@code null}
	 * @return whether to reject the promises
	 */
	public boolean failed(int status, @Nullable Throwable error) {
		return this.breaker ? (error != null || status >= 500) : (error == null && status == 503);
	}

	/**
	 * Completes the promises of a finished request.
	 * @param promises the promises, {@code count} of them from index 0
	 * @param count how many there are
	 * @param refusedByLimiter whether a protection of this starter refused the request further down the chain
	 * @param status the response status
	 * @param error what the chain failed with, or {@code null}
	 */
	public void complete(Promise[] promises, int count, boolean refusedByLimiter, int status,
			@Nullable Throwable error) {
		if (refusedByLimiter) {
			ignore(promises, count);
		}
		else if (failed(status, error)) {
			reject(promises, count, (error != null) ? error.getClass().getName() : "status " + status);
		}
		else {
			for (int i = 0; i < count; i++) {
				promises[i].accept();
			}
		}
	}

	/**
	 * Ignores the promises of a request refused by a later protection or never finished: it says nothing about them.
	 * @param promises the promises, or {@code null} when there are none
	 * @param count how many there are
	 */
	public static void ignore(Promise @Nullable [] promises, int count) {
		for (int i = 0; i < count; i++) {
			promises[i].ignore();
		}
	}

	/**
	 * Rejects the promises.
	 * @param promises the promises
	 * @param count how many there are
	 * @param reason the failure, for logs
	 */
	public static void reject(Promise[] promises, int count, String reason) {
		for (int i = 0; i < count; i++) {
			promises[i].reject(reason);
		}
	}

	/**
	 * Returns whether a protection of this starter refused the request further down the chain.
	 * @param rejection the refusal attribute after the chain ran, or {@code null}
	 * @param earlierRejection the refusal attribute before the chain ran, or {@code null}
	 * @param error what the chain failed with, or {@code null}
	 * @return whether the chain set a new refusal attribute or the error is (or wraps) a {@link LimiterException}
	 */
	public static boolean refusedByLimiter(@Nullable Object rejection, @Nullable Object earlierRejection,
			@Nullable Throwable error) {
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

}
