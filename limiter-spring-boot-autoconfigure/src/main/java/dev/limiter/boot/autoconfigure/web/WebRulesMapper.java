package dev.limiter.boot.autoconfigure.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import dev.limiter.boot.aop.InvalidKeyExpressionException;
import dev.limiter.boot.autoconfigure.InvalidProperties;
import dev.limiter.boot.autoconfigure.LimiterProperties;
import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.boot.web.ClientAddressResolver;
import dev.limiter.boot.web.KeyResolver;
import dev.limiter.boot.web.LimiterWebRules;
import dev.limiter.boot.web.RateLimitHeaders;
import dev.limiter.boot.web.RequestKey;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.core.breaker.Breaker;
import dev.limiter.core.shedding.Priority;
import dev.limiter.core.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.expression.ParseException;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * Compiles {@code limiter.web.*} into a {@link ClientAddressResolver} and {@link RequestRule}s, failing start-up
 * with the property path of any wrong value or unknown name.
 */
final class WebRulesMapper {

	/**
	 * The least {@code Retry-After} of 503 answers (shed requests, open breakers), on either web stack: a threshold
	 * breaker's open time or an adaptive shedder's cool-off may make it longer.
	 */
	static final Duration UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(1);

	private WebRulesMapper() {
	}

	/** The rate-limit headers of {@code limiter.web.headers}. */
	static RateLimitHeaders headers(LimiterProperties properties) {
		return new RateLimitHeaders(RateLimitHeaders.Format.valueOf(properties.getWeb().getHeaders().name()));
	}

	/** The application's listener of the filters' decisions, if it has exactly one, else none. */
	static LimiterCallListener listener(ObjectProvider<LimiterCallListener> listener) {
		LimiterCallListener unique = listener.getIfUnique();
		return (unique != null) ? unique : LimiterCallListener.NONE;
	}

	static ClientAddressResolver clientAddressResolver(LimiterProperties.Web web) {
		List<String> proxies = web.getTrustedProxies();
		for (int i = 0; i < proxies.size(); i++) {
			try {
				new ClientAddressResolver(List.of(proxies.get(i)));
			}
			catch (IllegalArgumentException ex) {
				throw InvalidProperties.of("limiter.web.trusted-proxies[" + i + "]", proxies.get(i),
						"Must be an IPv4 or IPv6 address or CIDR range, such as 10.0.0.0/8 or fd00::/8.");
			}
		}
		int prefixLength = web.getIpv6PrefixLength();
		if (prefixLength < 0 || prefixLength > 128) {
			throw InvalidProperties.of("limiter.web.ipv6-prefix-length", prefixLength,
					"Must be between 0 and 128, such as 64 for one key per subscriber network.");
		}
		return new ClientAddressResolver(proxies, prefixLength);
	}

	/**
	 * Returns whether a {@code key} value needs the authenticated user: {@code principal}, or an expression that
	 * names the principal, the remote user, a role, the authentication type or Spring Security.
	 */
	static boolean needsPrincipal(@Nullable String key) {
		return RequestKey.needsPrincipal(key);
	}

	static LimiterWebRules webRules(LimiterProperties properties, RateLimiterRegistry rateLimiters,
			CircuitBreakerRegistry breakers, LoadShedderRegistry shedders, ClientAddressResolver addresses) {
		List<RequestRule> rules = rules(properties, rateLimiters, breakers, shedders, addresses);
		Set<RequestRule> needingPrincipal = new HashSet<>();
		List<LimiterProperties.Rule> configured = properties.getWeb().getRules();
		for (int i = 0; i < rules.size(); i++) {
			if (rules.get(i).rateLimit() != null && needsPrincipal(configured.get(i).getKey())) {
				needingPrincipal.add(rules.get(i));
			}
		}
		return new LimiterWebRules(rules, needingPrincipal);
	}

	static List<RequestRule> rules(LimiterProperties properties, RateLimiterRegistry rateLimiters,
			CircuitBreakerRegistry breakers, LoadShedderRegistry shedders, ClientAddressResolver addresses) {
		List<LimiterProperties.Rule> rules = properties.getWeb().getRules();
		List<RequestRule> compiled = new ArrayList<>(rules.size());
		for (int i = 0; i < rules.size(); i++) {
			compiled.add(rule("limiter.web.rules[" + i + "]", rules.get(i), properties, rateLimiters, breakers,
					shedders, addresses));
		}
		return compiled;
	}

	private static RequestRule rule(String prefix, LimiterProperties.Rule rule, LimiterProperties properties,
			RateLimiterRegistry rateLimiters, CircuitBreakerRegistry breakers, LoadShedderRegistry shedders,
			ClientAddressResolver addresses) {
		List<String> paths = (rule.getPaths() != null) ? rule.getPaths() : List.of();
		if (paths.isEmpty()) {
			throw InvalidProperties.of(prefix + ".paths", paths,
					"Must hold at least one path pattern, such as /api/**.");
		}
		for (int j = 0; j < paths.size(); j++) {
			try {
				PathPatternParser.defaultInstance.parse(paths.get(j));
			}
			catch (PatternParseException ex) {
				throw InvalidProperties.of(prefix + ".paths[" + j + "]", paths.get(j),
						"Is not a valid path pattern: " + ex.getMessage() + ".");
			}
		}
		List<String> methods = (rule.getMethods() != null) ? rule.getMethods() : List.of();
		for (int j = 0; j < methods.size(); j++) {
			if (!isToken(methods.get(j))) {
				throw InvalidProperties.of(prefix + ".methods[" + j + "]", methods.get(j),
						"Must be an HTTP method name, such as GET.");
			}
		}
		if (isBlank(rule.getRateLimiter()) && isBlank(rule.getCircuitBreaker()) && isBlank(rule.getLoadShedder())) {
			throw InvalidProperties.of(prefix + ".rate-limiter", null,
					"A rule must name a rate-limiter, a circuit-breaker or a load-shedder.");
		}
		RequestRule.RateLimit rateLimit = null;
		if (!isBlank(rule.getRateLimiter())) {
			Supplier<RateLimiter> limiter = rateLimiters.source(rule.getRateLimiter(),
					"property '" + prefix + ".rate-limiter'");
			LimiterProperties.RateLimiter configured = properties.getRateLimiters().get(rule.getRateLimiter());
			boolean shadow = configured != null && configured.getMode() == LimiterProperties.Mode.SHADOW;
			rateLimit = new RequestRule.RateLimit(limiter, keyResolver(prefix + ".key", rule.getKey(), addresses),
					shadow);
		}
		Breaker breaker = null;
		if (!isBlank(rule.getCircuitBreaker())) {
			breaker = breakers.get(rule.getCircuitBreaker(), "property '" + prefix + ".circuit-breaker'");
		}
		RequestRule.Shedding shedding = null;
		if (!isBlank(rule.getLoadShedder())) {
			shedding = new RequestRule.Shedding(rule.getLoadShedder(),
					shedders.get(rule.getLoadShedder(), "property '" + prefix + ".load-shedder'"), rule.getPriority());
		}
		else if (rule.getPriority() == Priority.SHEDDABLE) {
			throw InvalidProperties.of(prefix + ".priority", "sheddable",
					"A priority applies to the rule's load-shedder: name one.");
		}
		return new RequestRule(paths, methods, rateLimit, breaker, shedding);
	}

	static KeyResolver keyResolver(String property, @Nullable String key, ClientAddressResolver addresses) {
		if (key == null || key.isBlank()) {
			throw InvalidProperties.of(property, key,
					"Must be ip, header:<Name>, principal, path or a SpEL expression.");
		}
		try {
			return KeyResolver.of(key, addresses);
		}
		catch (ParseException ex) {
			throw new InvalidKeyExpressionException(key, "property '" + property + "'", ex);
		}
		catch (IllegalArgumentException ex) {
			throw InvalidProperties.of(property, key, ex.getMessage() + ".");
		}
	}

	private static boolean isBlank(@Nullable String value) {
		return value == null || value.isBlank();
	}

	private static boolean isToken(@Nullable String method) {
		if (method == null || method.isBlank()) {
			return false;
		}
		String value = method.trim();
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_')) {
				return false;
			}
		}
		return true;
	}

}
