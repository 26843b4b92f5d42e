package dev.limiter.boot.web;

import java.time.Duration;
import java.util.Objects;

/**
 * Why a request was refused, as handed to a {@link LimiterResponseWriter}.
 *
 * @param reason what refused the request
 * @param name the name of the rate limiter, circuit breaker or load shedder that refused it
 * @param retryAfter how long the client should wait before retrying, never negative
 * @author limiter
 * @since 0.1.0
 */
public record LimiterRejection(Reason reason, String name, Duration retryAfter) {

	/**
	 * The request attribute that holds the {@code LimiterRejection} of a request this starter refused (a filter or
	 * {@link LimiterExceptionResolver} answered it). Outer breakers and shedders see it and count the request neither
	 * as a success nor as a failure ({@link dev.limiter.core.Promise#ignore()}). An application that answers the
	 * limiter exceptions itself can set it too. In WebFlux it is an exchange attribute of the same name.
	 */
	public static final String REQUEST_ATTRIBUTE = LimiterRejection.class.getName();

	/** Checks the arguments; a negative wait becomes zero. */
	public LimiterRejection {
		Objects.requireNonNull(reason, "reason must not be null");
		Objects.requireNonNull(name, "name must not be null");
		Objects.requireNonNull(retryAfter, "retryAfter must not be null");
		if (retryAfter.isNegative()) {
			retryAfter = Duration.ZERO;
		}
	}

	/** What refused a request, with the HTTP status it is answered with. */
	public enum Reason {

		/** A rate limiter's quota for the request's key is used up: 429 Too Many Requests. */
		RATE_LIMITED(429),

		/** A load shedder refused the request because the service is overloaded: 503 Service Unavailable. */
		OVERLOADED(503),

		/** A circuit breaker dropped the request: 503 Service Unavailable. */
		BREAKER_OPEN(503);

		private final int status;

		Reason(int status) {
			this.status = status;
		}

		/**
		 * Returns the HTTP status this reason is answered with.
		 * @return the status code
		 */
		public int status() {
			return this.status;
		}

	}

}
