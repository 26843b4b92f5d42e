package dev.limiter.boot.web;

import java.time.Duration;
import java.util.Objects;

import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.FixedWindowSpec;
import dev.limiter.core.ratelimit.LimitSpec;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.SlidingWindowSpec;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;

/**
 * Writes the rate-limit headers of a decision on a response, in one of the {@link Format formats}.
 *
 * <p>{@link Format#IETF} follows draft-ietf-httpapi-ratelimit-headers-11 (structured fields, RFC 9651):
 * <pre>
 * RateLimit-Policy: "api";q=100;w=60
 * RateLimit: "api";r=42;t=17
 * </pre>
 * The policy says {@code q} permits per {@code w} seconds: the limit and period of a token bucket or fixed window,
 * the limit and window of a sliding window ({@code w} rounded up to whole seconds, at least 1). It is computed once
 * per limiter, so it is the same on every response. {@code r} is the number of permits left and {@code t} the
 * seconds (rounded up) until the key is back to its full limit, or, on a refusal, until a retry can succeed, so
 * that {@code t} never points past {@code Retry-After}. When several limiters apply to one request each adds its
 * own list member.
 *
 * <p>{@link Format#LEGACY} writes {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and
 * {@code X-RateLimit-Reset} (seconds from now, as draft-06 and most gateways; not an epoch time). They describe a
 * single limit, so when several limiters apply the one with the fewest permits left wins.
 *
 * <p>Immutable and thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class RateLimitHeaders {

	/** The draft-11 header describing the remaining quota. */
	public static final String RATE_LIMIT = "RateLimit";

	/** The draft-11 header describing the quota policy. */
	public static final String RATE_LIMIT_POLICY = "RateLimit-Policy";

	/** The legacy limit header. */
	public static final String X_RATE_LIMIT_LIMIT = "X-RateLimit-Limit";

	/** The legacy remaining header. */
	public static final String X_RATE_LIMIT_REMAINING = "X-RateLimit-Remaining";

	/** The legacy reset header, in seconds from now. */
	public static final String X_RATE_LIMIT_RESET = "X-RateLimit-Reset";

	/** The headers of a reactive response, as {@link HttpHeaders}. */
	public static final Access<HttpHeaders> HEADERS = new Access<>(HttpHeaders::add, HttpHeaders::set,
			HttpHeaders::getFirst);

	private final Format format;

	/**
	 * Creates a writer of the given format.
	 * @param format the header format
	 */
	public RateLimitHeaders(Format format) {
		this.format = Objects.requireNonNull(format, "format must not be null");
	}

	/**
	 * Returns the format written.
	 * @return the format
	 */
	public Format format() {
		return this.format;
	}

	/**
	 * Computes the fixed part of a limiter's headers; call once per limiter.
	 * @param limiter the limiter
	 * @return its policy
	 */
	public static Policy policy(RateLimiter limiter) {
		LimitSpec spec = limiter.spec();
		long quota;
		Duration window;
		if (spec instanceof TokenBucketSpec tokenBucket) {
			quota = tokenBucket.limit();
			window = tokenBucket.period();
		}
		else if (spec instanceof FixedWindowSpec fixedWindow) {
			quota = fixedWindow.quota();
			window = fixedWindow.period();
		}
		else {
			SlidingWindowSpec slidingWindow = (SlidingWindowSpec) spec;
			quota = slidingWindow.limit();
			window = slidingWindow.window();
		}
		String item = sfString(limiter.name());
		long windowSeconds = Math.max(1, seconds(window));
		return new Policy(limiter.name(), item, item + ";q=" + quota + ";w=" + windowSeconds);
	}

	/**
	 * Writes the headers of one decision. Call before the response is committed.
	 * @param response the response
	 * @param policy the policy of the limiter that decided
	 * @param decision the decision
	 */
	public void write(HttpServletResponse response, Policy policy, Decision decision) {
		write(response, ServletAccess.INSTANCE, policy, decision);
	}

	/**
	 * Writes the headers of one decision on a response's headers (a reactive response), as
	 * {@link #write(HttpServletResponse, Policy, Decision)} does. Call before the response is committed.
	 * @param headers the response headers
	 * @param policy the policy of the limiter that decided
	 * @param decision the decision
	 */
	public void write(HttpHeaders headers, Policy policy, Decision decision) {
		write(headers, HEADERS, policy, decision);
	}

	/**
	 * Writes the headers of one decision on a response through its accessor. Call before the response is
	 * committed.
	 * @param <T> the type of the response
	 * @param response the response
	 * @param access reads and writes its headers: {@link #HEADERS} for a reactive response
	 * @param policy the policy of the limiter that decided
	 * @param decision the decision
	 */
	public <T> void write(T response, Access<T> access, Policy policy, Decision decision) {
		if (this.format == Format.NONE) {
			return;
		}
		long untilSeconds = untilSeconds(decision);
		if (this.format == Format.IETF || this.format == Format.BOTH) {
			access.add().write(response, RATE_LIMIT_POLICY, policy.header());
			access.add().write(response, RATE_LIMIT, rateLimit(policy, decision, untilSeconds));
		}
		if ((this.format == Format.LEGACY || this.format == Format.BOTH)
				&& replacesLegacy(access.get().read(response, X_RATE_LIMIT_REMAINING), decision)) {
			access.set().write(response, X_RATE_LIMIT_LIMIT, Long.toString(decision.limit()));
			access.set().write(response, X_RATE_LIMIT_REMAINING, Long.toString(decision.remaining()));
			access.set().write(response, X_RATE_LIMIT_RESET, Long.toString(untilSeconds));
		}
	}

	private static long untilSeconds(Decision decision) {
		return seconds(decision.allowed() ? decision.resetAfter() : decision.retryAfter());
	}

	private static String rateLimit(Policy policy, Decision decision, long untilSeconds) {
		return policy.item() + ";r=" + decision.remaining() + ";t=" + untilSeconds;
	}

	/** The legacy headers describe one limit: the one with the fewest permits left. */
	private static boolean replacesLegacy(@Nullable String previousRemaining, Decision decision) {
		return previousRemaining == null || parseOrMax(previousRemaining) > decision.remaining();
	}

	/**
	 * Returns a duration in whole seconds, rounded up; 0 for zero or negative durations. This is the
	 * delay-seconds form of {@code Retry-After}.
	 * @param duration the duration
	 * @return the seconds
	 */
	public static long seconds(Duration duration) {
		if (duration.isNegative() || duration.isZero()) {
			return 0;
		}
		long seconds = duration.getSeconds();
		return (duration.getNano() > 0 && seconds < Long.MAX_VALUE) ? seconds + 1 : seconds;
	}

	private static long parseOrMax(String value) {
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			return Long.MAX_VALUE;
		}
	}

	/** Encodes a structured-field String (RFC 9651 §3.3.3): printable ASCII, with '"' and '\' escaped. */
	static String sfString(String value) {
		StringBuilder builder = new StringBuilder(value.length() + 2).append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\') {
				builder.append('\\').append(c);
			}
			else if (c < 0x20 || c > 0x7E) {
				builder.append('?');
			}
			else {
				builder.append(c);
			}
		}
		return builder.append('"').toString();
	}

	/**
	 * Reads and writes the headers of one type of response, so that one method serves the servlet and the reactive
	 * stacks without wrapping the response.
	 *
	 * @param <T> the type of the response
	 * @param add adds a header value
	 * @param set sets a header, replacing its values
	 * @param get returns a header's first value, or {@code null} when it is absent
	 */
	public record Access<T>(Writer<T> add, Writer<T> set, Reader<T> get) {

		/**
		 * Writes a header of a response.
		 *
		 * @param <T> the type of the response
		 */
		@FunctionalInterface
		public interface Writer<T> {

			/**
			 * Writes the header.
			 * @param response the response
			 * @param name the header's name
			 * @param value the value
			 */
			void write(T response, String name, String value);

		}

		/**
		 * Reads a header of a response.
		 *
		 * @param <T> the type of the response
		 */
		@FunctionalInterface
		public interface Reader<T> {

			/**
			 * Reads the header's first value.
			 * @param response the response
			 * @param name the header's name
			 * @return the value, or {@code null} when the header is absent
			 */
			@Nullable String read(T response, String name);

		}

	}

	/** The headers of a servlet response; apart so that an application without the servlet API never loads them. */
	static final class ServletAccess {

		static final Access<HttpServletResponse> INSTANCE = new Access<>(HttpServletResponse::addHeader,
				HttpServletResponse::setHeader, HttpServletResponse::getHeader);

		private ServletAccess() {
		}

	}

	/** The format of the rate-limit headers. */
	public enum Format {

		/** "RateLimit" and "RateLimit-Policy" of draft-ietf-httpapi-ratelimit-headers-11. */
		IETF,

		/** "X-RateLimit-Limit", "X-RateLimit-Remaining" and "X-RateLimit-Reset" (seconds from now). */
		LEGACY,

		/** Both the IETF and the legacy headers. */
		BOTH,

		/** No rate-limit headers; refusals still carry "Retry-After". */
		NONE

	}

	/**
	 * The fixed part of one limiter's headers.
	 * @param name the limiter's name
	 * @param item the name as a structured-field String, quoted
	 * @param header the {@code RateLimit-Policy} member: {@code "name";q=..;w=..}
	 */
	public record Policy(String name, String item, String header) {

	}

}
