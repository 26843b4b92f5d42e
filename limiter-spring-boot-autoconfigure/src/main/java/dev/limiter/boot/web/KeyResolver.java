package dev.limiter.boot.web;

import java.util.Objects;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.expression.ParseException;

/**
 * Says which key a request is counted under by a rate limiter.
 *
 * <p>{@link #of(String, ClientAddressResolver)} understands the values of {@code limiter.web.rules[].key}:
 * <ul>
 * <li>{@code ip}: the client address ({@link ClientAddressResolver#resolveKey}, X-Forwarded-For only from trusted
 * proxies), IPv6 clients grouped by their network prefix ({@code 2001:db8:1:2::/64});</li>
 * <li>{@code header:<Name>}: the value of that request header;</li>
 * <li>{@code principal}: the name of the authenticated principal;</li>
 * <li>{@code path}: the request path within the application as rule patterns see it: percent-decoded, without path
 * parameters, so that {@code /api/orders}, {@code /api/ord%65rs} and {@code /api/orders;x=1} are one key;</li>
 * <li>anything else: a SpEL expression evaluated with the {@link HttpServletRequest} as its root object, for example
 * {@code getHeader('X-Tenant') + ':' + remoteAddr}. Property reads and instance methods are allowed; types,
 * constructors and bean references are not. The expression is parsed once, here.</li>
 * </ul>
 * A resolver returns {@code null} when the request carries no key (no such header, no principal, an expression
 * that evaluates to {@code null}); such requests share the key {@link #ABSENT}. An expression that fails on a request
 * throws (SpEL rethrows a method's own exception as is); the {@link RateLimitFilter} counts such requests under
 * {@link #ABSENT} too, reports them as key failures and logs the first one of each rule.
 *
 * @author limiter
 * @since 0.1.0
 */
@FunctionalInterface
public interface KeyResolver {

	/** The key of requests that carry none: they share one budget. */
	String ABSENT = "-";

	/**
	 * Returns the key of the request.
	 * @param request the request
	 * @return the key, or {@code null} when the request carries none
	 * @throws RuntimeException if the key cannot be computed for this request
	 */
	@Nullable String resolve(HttpServletRequest request);

	/**
	 * Creates the resolver a {@code key} property value describes.
	 * @param key {@code ip}, {@code header:<Name>}, {@code principal}, {@code path} or a SpEL expression
	 * @param addresses the resolver of client addresses used by {@code ip}
	 * @return the key resolver
	 * @throws IllegalArgumentException if {@code header:} has no header name or the key is blank
	 * @throws ParseException if a SpEL expression does not parse
	 */
	static KeyResolver of(String key, ClientAddressResolver addresses) {
		Objects.requireNonNull(key, "key must not be null");
		return of(RequestKey.parse(key), addresses);
	}

	/**
	 * Creates the resolver of a parsed {@code key} property value.
	 * @param key the parsed key
	 * @param addresses the resolver of client addresses used by {@code ip}
	 * @return the key resolver
	 */
	static KeyResolver of(RequestKey key, ClientAddressResolver addresses) {
		return new KeyResolvers(key, addresses);
	}

	/**
	 * Returns the configured key this resolver applies, for the web stacks that resolve it their own way.
	 * @return the key, or {@code null} for a resolver written in code
	 */
	default @Nullable RequestKey requestKey() {
		return null;
	}

}
