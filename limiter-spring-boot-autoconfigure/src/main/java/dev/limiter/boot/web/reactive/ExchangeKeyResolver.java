package dev.limiter.boot.web.reactive;

import java.security.Principal;
import java.util.Objects;
import java.util.Optional;

import dev.limiter.boot.web.ClientAddressResolver;
import dev.limiter.boot.web.KeyFailures;
import dev.limiter.boot.web.KeyResolver;
import dev.limiter.boot.web.RequestKey;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * One rule's {@link RequestKey} applied to an exchange, as the servlet {@link KeyResolver} applies it to a servlet
 * request: never fails and never answers {@code null}. A request without a key, or whose key fails, is counted
 * under {@link KeyResolver#ABSENT} ({@link KeyFailures}). Keys that need the principal ({@code principal}, or an
 * expression naming it) are {@linkplain #isAsync() asynchronous}: the principal of a WebFlux request is a
 * {@code Mono} ({@link ServerWebExchange#getPrincipal()}, which Spring Security fills from its reactive context).
 */
final class ExchangeKeyResolver {

	private final RequestKey key;

	private final ClientAddressResolver addresses;

	private final KeyFailures failures;

	private final boolean async;

	ExchangeKeyResolver(RequestKey key, ClientAddressResolver addresses, KeyFailures failures) {
		this.key = Objects.requireNonNull(key, "key must not be null");
		this.addresses = Objects.requireNonNull(addresses, "addresses must not be null");
		this.failures = Objects.requireNonNull(failures, "failures must not be null");
		this.async = key.needsPrincipal();
	}

	/** Whether the key needs the principal, so {@link #resolveAsync} is to be used. */
	boolean isAsync() {
		return this.async;
	}

	/** The key of a request whose key does not need the principal. */
	String resolve(ServerWebExchange exchange) {
		String key;
		try {
			key = compute(exchange, null);
		}
		catch (Exception ex) {
			return this.failures.failed(ex);
		}
		return (key != null) ? key : KeyResolver.ABSENT;
	}

	/** The key of any request, once its principal is known. */
	Mono<String> resolveAsync(ServerWebExchange exchange) {
		return exchange.getPrincipal()
			.map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.map((principal) -> {
				String key;
				try {
					key = compute(exchange, principal.orElse(null));
				}
				catch (Exception ex) {
					return this.failures.failed(ex);
				}
				return (key != null) ? key : KeyResolver.ABSENT;
			})
			.onErrorResume(Exception.class, (ex) -> Mono.just(this.failures.failed(ex)));
	}

	private @Nullable String compute(ServerWebExchange exchange, @Nullable Principal principal) {
		ServerHttpRequest request = exchange.getRequest();
		return switch (this.key.kind()) {
			case IP -> this.addresses.resolveKey(ExchangeKeyRoot.remoteAddress(request),
					request.getHeaders().getOrEmpty(ClientAddressResolver.X_FORWARDED_FOR));
			case HEADER -> request.getHeaders().getFirst(Objects.requireNonNull(this.key.header()));
			case PRINCIPAL -> (principal != null) ? principal.getName() : null;
			case PATH -> RequestKey.path(request.getPath().pathWithinApplication());
			case EXPRESSION -> this.key.evaluate(new ExchangeKeyRoot(exchange, principal));
		};
	}

}
