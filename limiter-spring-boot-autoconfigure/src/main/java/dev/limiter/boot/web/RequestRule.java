package dev.limiter.boot.web;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import dev.limiter.boot.registry.LimiterKind;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.shedding.Priority;
import dev.limiter.core.shedding.Shedder;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * One web rule: the requests it matches (path patterns within the application and HTTP methods) and the
 * protections it applies to them (a rate limit, a circuit breaker, a load shedder; each optional).
 *
 * <p>Patterns are Spring {@link PathPattern}s ({@code /api/**}, {@code /users/{id}}), parsed once when the rule is
 * created. {@link #matches(HttpServletRequest)} first compares the method and the literal prefix of each pattern
 * with the raw request URI, which allocates nothing; only a request passing that check has its path parsed (once
 * per request, cached as a request attribute as Spring MVC does) and matched against the patterns. Immutable and
 * thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class RequestRule {

	private final List<String> paths;

	private final PathPattern[] patterns;

	private final String[] prefixes;

	private final @Nullable Set<String> methods;

	private final @Nullable RateLimit rateLimit;

	private final @Nullable Breaker breaker;

	private final @Nullable Shedding shedding;

	/**
	 * Creates a rule.
	 * @param paths path patterns within the application, at least one
	 * @param methods HTTP methods (any case); empty for all
	 * @param rateLimit the rate limit applied to matching requests, or {@code null}
	 * @param breaker the circuit breaker wrapped around matching requests, or {@code null}
	 * @param shedding the load shedder guarding matching requests, or {@code null}
	 * @throws org.springframework.web.util.pattern.PatternParseException if a path pattern does not parse
	 * @throws IllegalArgumentException if there are no paths
	 */
	public RequestRule(List<String> paths, Collection<String> methods, @Nullable RateLimit rateLimit,
			@Nullable Breaker breaker, @Nullable Shedding shedding) {
		Objects.requireNonNull(paths, "paths must not be null");
		Objects.requireNonNull(methods, "methods must not be null");
		if (paths.isEmpty()) {
			throw new IllegalArgumentException("A rule needs at least one path pattern");
		}
		this.paths = List.copyOf(paths);
		this.patterns = new PathPattern[paths.size()];
		this.prefixes = new String[paths.size()];
		for (int i = 0; i < this.patterns.length; i++) {
			this.patterns[i] = PathPatternParser.defaultInstance.parse(paths.get(i));
			this.prefixes[i] = literalPrefix(this.patterns[i].getPatternString());
		}
		if (methods.isEmpty()) {
			this.methods = null;
		}
		else {
			Set<String> upperCase = new HashSet<>();
			for (String method : methods) {
				upperCase.add(method.trim().toUpperCase(Locale.ROOT));
			}
			this.methods = Set.copyOf(upperCase);
		}
		this.rateLimit = rateLimit;
		this.breaker = breaker;
		this.shedding = shedding;
	}

	/**
	 * Returns whether the rule applies to the request.
	 * @param request the request
	 * @return whether the method and the path match
	 */
	public boolean matches(HttpServletRequest request) {
		if (this.methods != null && !this.methods.contains(request.getMethod())) {
			return false;
		}
		String uri = request.getRequestURI();
		// Encoded characters and path parameters make the raw URI differ from the matched path: no shortcut then.
		if (uri.indexOf('%') < 0 && uri.indexOf(';') < 0) {
			int offset = ServletPaths.contextPathLength(request);
			boolean candidate = false;
			for (String prefix : this.prefixes) {
				if (uri.startsWith(prefix, offset)) {
					candidate = true;
					break;
				}
			}
			if (!candidate) {
				return false;
			}
		}
		return matchesPath(ServletPaths.pathWithinApplication(request));
	}

	/**
	 * Returns whether the rule applies to a request with the given method and path, whatever the web stack.
	 * @param method the HTTP method, upper case
	 * @param pathWithinApplication the request path within the application, as Spring parses it
	 * @return whether the method and the path match
	 */
	public boolean matches(String method, PathContainer pathWithinApplication) {
		if (this.methods != null && !this.methods.contains(method)) {
			return false;
		}
		return matchesPath(pathWithinApplication);
	}

	private boolean matchesPath(PathContainer path) {
		for (PathPattern pattern : this.patterns) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Returns the path patterns as configured.
	 * @return the patterns
	 */
	public List<String> paths() {
		return this.paths;
	}

	/**
	 * Returns the matched methods in upper case, empty for all.
	 * @return the methods
	 */
	public Set<String> methods() {
		return (this.methods != null) ? this.methods : Set.of();
	}

	/**
	 * Returns the rate limit of this rule.
	 * @return the rate limit, or {@code null}
	 */
	public @Nullable RateLimit rateLimit() {
		return this.rateLimit;
	}

	/**
	 * Returns the circuit breaker of this rule.
	 * @return the breaker, or {@code null}
	 */
	public @Nullable Breaker breaker() {
		return this.breaker;
	}

	/**
	 * Returns the load shedder of this rule.
	 * @return the shedding, or {@code null}
	 */
	public @Nullable Shedding shedding() {
		return this.shedding;
	}

	@Override
	public String toString() {
		return "RequestRule[paths=" + this.paths + ", methods=" + methods() + "]";
	}

	/**
	 * Returns the rules of the list that have a protection of the given kind.
	 * @param rules the rules
	 * @param kind the kind of protection
	 * @return the matching rules, in order
	 */
	public static RequestRule[] having(List<RequestRule> rules, LimiterKind kind) {
		List<RequestRule> kept = new ArrayList<>();
		for (RequestRule rule : rules) {
			boolean has = switch (kind) {
				case RATE_LIMITER -> rule.rateLimit != null;
				case CIRCUIT_BREAKER -> rule.breaker != null;
				case LOAD_SHEDDER -> rule.shedding != null;
			};
			if (has) {
				kept.add(rule);
			}
		}
		return kept.toArray(new RequestRule[0]);
	}

	/** The part of a pattern before its first variable or wildcard, cut back to a segment boundary. */
	static String literalPrefix(String pattern) {
		int end = pattern.length();
		for (int i = 0; i < pattern.length(); i++) {
			char c = pattern.charAt(i);
			if (c == '*' || c == '?' || c == '{') {
				end = i;
				break;
			}
		}
		if (end == pattern.length()) {
			return pattern;
		}
		int slash = pattern.lastIndexOf('/', end);
		return (slash < 0) ? "" : pattern.substring(0, slash);
	}

	/**
	 * A rule's rate limit.
	 * @param source supplies the limiter's current instance (its spec can change at run time)
	 * @param key the resolver of each request's key
	 * @param shadow whether refusals are only counted and logged, the request going through
	 */
	public record RateLimit(Supplier<RateLimiter> source, KeyResolver key, boolean shadow) {

		/** Checks the arguments. */
		public RateLimit {
			Objects.requireNonNull(source, "source must not be null");
			Objects.requireNonNull(key, "key must not be null");
		}

		/**
		 * A rate limit with a fixed limiter.
		 * @param limiter the limiter
		 * @param key the resolver of each request's key
		 * @param shadow whether refusals are only counted and logged
		 */
		public RateLimit(RateLimiter limiter, KeyResolver key, boolean shadow) {
			this(fixed(Objects.requireNonNull(limiter, "limiter must not be null")), key, shadow);
		}

		/**
		 * Returns the limiter's current instance.
		 * @return the limiter
		 */
		public RateLimiter limiter() {
			return this.source.get();
		}

		private static Supplier<RateLimiter> fixed(RateLimiter limiter) {
			return () -> limiter;
		}

	}

	/**
	 * A rule's load shedder.
	 * @param name the shedder's configured name
	 * @param shedder the shedder
	 * @param priority the priority matching requests ask the shedder with ({@link Shedder#allow(Priority)})
	 */
	public record Shedding(String name, Shedder shedder, Priority priority) {

		/** Checks the arguments. */
		public Shedding {
			Objects.requireNonNull(name, "name must not be null");
			Objects.requireNonNull(shedder, "shedder must not be null");
			Objects.requireNonNull(priority, "priority must not be null");
		}

		/**
		 * A load shedder asked with {@link Priority#CRITICAL}.
		 * @param name the shedder's configured name
		 * @param shedder the shedder
		 */
		public Shedding(String name, Shedder shedder) {
			this(name, shedder, Priority.CRITICAL);
		}

	}

}
