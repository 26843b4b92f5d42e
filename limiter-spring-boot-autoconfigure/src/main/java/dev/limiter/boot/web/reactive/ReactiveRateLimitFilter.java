package dev.limiter.boot.web.reactive;

import java.util.List;
import java.util.Objects;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.reactor.StoreDecisions;
import dev.limiter.boot.web.ClientAddressResolver;
import dev.limiter.boot.web.KeyFailures;
import dev.limiter.boot.web.KeyResolver;
import dev.limiter.boot.web.LimiterRejection;
import dev.limiter.boot.web.RateLimitGuard;
import dev.limiter.boot.web.RateLimitHeaders;
import dev.limiter.boot.web.RequestKey;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.ratelimit.InMemoryRateLimitStore;
import dev.limiter.core.ratelimit.RateLimiter;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Applies rate limits by rule in a WebFlux application: 429 when a key's quota is used up. The reactive counterpart
 * of the servlet {@link dev.limiter.boot.web.RateLimitFilter}, with the same rules, keys, headers and answers.
 *
 * <p>For each rule with a rate limiter that matches the request (in order; every matching rule applies) the filter
 * resolves the request's key (requests without one, or whose key fails, share {@link KeyResolver#ABSENT}) and takes
 * one permit. Allowed requests get the rate-limit headers of every enforcing limiter ({@link RateLimitHeaders}). The
 * first refusal of an enforcing limiter writes its headers and is answered through the
 * {@link ReactiveLimiterResponseWriter} (429, {@code Retry-After}); later rules are not consulted. A limiter in
 * shadow mode never refuses and adds no headers: its refusals are counted ({@link #shadowRejections(String)}) and
 * logged at debug level. A refusal sets the exchange attribute {@link LimiterRejection#REQUEST_ATTRIBUTE}.
 *
 * <p>Never blocks the event loop: a limiter over the in-memory store decides in place; any other store is asked
 * through {@link RateLimiter#acquireAsync}, at subscription, and the request goes on when it answers (the Redis store
 * over Lettuce sends its script without waiting and completes on Lettuce's I/O thread, or by its failure policy when
 * its timeout passes), on Reactor's parallel scheduler rather than on the store's thread when the answer comes later.
 * A store that does not {@linkplain dev.limiter.core.ratelimit.RateLimitStore#decidesAsyncWithoutBlocking() decide
 * without blocking} (Redis over Jedis, a store of the application's) is asked on {@code boundedElastic}. A key
 * that needs the principal
 * waits for {@link ServerWebExchange#getPrincipal()}. As in the servlet stack, the starter registers the filter twice:
 * before Spring Security's {@code WebFilterChainProxy} (-100) for rules whose key does not need the authenticated
 * user ({@link #BEFORE_SECURITY_ORDER}), after it for those whose key does ({@link #DEFAULT_ORDER}). A request no
 * rule matches goes straight down the chain. Thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ReactiveRateLimitFilter implements WebFilter, Ordered {

	/** The order of the rules whose keys need the authenticated user: just after Spring Security (-100). */
	public static final int DEFAULT_ORDER = -90;

	/** The order of the other rules: just before Spring Security (-100), after the load shedding filter. */
	public static final int BEFORE_SECURITY_ORDER = -110;

	private final RateLimitGuard guard;

	private final ExchangeKeyResolver[] keys;

	private final ReactiveLimiterResponseWriter writer;

	private final int order;

	/**
	 * Creates the filter.
	 * @param rules the rules; those without a rate limiter are ignored; their keys must be configured ones
	 * ({@link KeyResolver#requestKey()})
	 * @param addresses resolves the {@code ip} key
	 * @param headers writes the rate-limit headers
	 * @param writer writes refusals
	 * @param listener told of every decision
	 * @param order the filter's order
	 * @throws IllegalArgumentException if a rule's key is not a configured key
	 */
	public ReactiveRateLimitFilter(List<RequestRule> rules, ClientAddressResolver addresses, RateLimitHeaders headers,
			ReactiveLimiterResponseWriter writer, LimiterCallListener listener, int order) {
		Objects.requireNonNull(addresses, "addresses must not be null");
		this.guard = new RateLimitGuard(rules, headers, listener);
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
		this.order = order;
		RequestRule[] limited = this.guard.rules();
		this.keys = new ExchangeKeyResolver[limited.length];
		for (int i = 0; i < limited.length; i++) {
			RequestRule.RateLimit rateLimit = limited[i].rateLimit();
			RequestKey key = rateLimit.key().requestKey();
			if (key == null) {
				throw new IllegalArgumentException("The key of " + limited[i]
						+ " is not a configured key (ip, header:<Name>, principal, path or a SpEL expression)");
			}
			this.keys[i] = new ExchangeKeyResolver(key, addresses,
					new KeyFailures(rateLimit.limiter().name(), limited[i].toString(), listener));
		}
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return apply(exchange, chain, 0);
	}

	/** Applies the rules from {@code from} on: in place while nothing needs waiting, then asynchronously. */
	private Mono<Void> apply(ServerWebExchange exchange, WebFilterChain chain, int from) {
		ServerHttpRequest request = exchange.getRequest();
		RequestRule[] rules = this.guard.rules();
		for (int i = from; i < rules.length; i++) {
			RequestRule rule = rules[i];
			if (!rule.matches(request.getMethod().name(), request.getPath().pathWithinApplication())) {
				continue;
			}
			RateLimiter limiter = rule.rateLimit().limiter();
			ExchangeKeyResolver resolver = this.keys[i];
			if (resolver.isAsync() || !decidesInPlace(limiter)) {
				int index = i;
				Mono<String> key = resolver.isAsync() ? resolver.resolveAsync(exchange)
						: Mono.just(resolver.resolve(exchange));
				return key.flatMap((resolved) -> acquire(limiter, resolved).flatMap((decision) -> {
					Mono<Void> refusal = decided(exchange, index, limiter, resolved, decision);
					return (refusal != null) ? refusal : apply(exchange, chain, index + 1);
				}));
			}
			String key = resolver.resolve(exchange);
			Mono<Void> refusal = decided(exchange, i, limiter, key, limiter.acquire(key));
			if (refusal != null) {
				return refusal;
			}
		}
		return chain.filter(exchange);
	}

	private static boolean decidesInPlace(RateLimiter limiter) {
		return limiter.store() instanceof InMemoryRateLimitStore;
	}

	private Mono<Decision> acquire(RateLimiter limiter, String key) {
		if (decidesInPlace(limiter)) {
			return Mono.fromSupplier(() -> limiter.acquire(key));
		}
		return StoreDecisions.decide(limiter.store(), () -> limiter.acquireAsync(key));
	}

	/** Records a decision and writes its headers; returns the refusal to answer with, or {@code null} to go on. */
	private @Nullable Mono<Void> decided(ServerWebExchange exchange, int rule, RateLimiter limiter, String key,
			Decision decision) {
		LimiterRejection rejection = this.guard.decided(rule, limiter, key, decision,
				exchange.getResponse().getHeaders(), RateLimitHeaders.HEADERS);
		if (rejection == null) {
			return null;
		}
		exchange.getAttributes().put(LimiterRejection.REQUEST_ATTRIBUTE, rejection);
		return this.writer.write(exchange, rejection);
	}

	/**
	 * Returns how many requests the named limiter refused in shadow mode (and let through).
	 * @param limiterName the limiter's name
	 * @return the count, summed over the rules using the limiter in shadow mode
	 */
	public long shadowRejections(String limiterName) {
		return this.guard.shadowRejections(limiterName);
	}

	/**
	 * Returns whether any rule has a rate limiter.
	 * @return whether the filter has work to do
	 */
	public boolean hasRules() {
		return this.guard.hasRules();
	}

	@Override
	public int getOrder() {
		return this.order;
	}

}
