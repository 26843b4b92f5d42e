package dev.limiter.boot.web;

import java.security.Principal;
import java.util.Objects;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * The built-in key resolvers: a {@link RequestKey} applied to a servlet request. A class rather than lambdas, so
 * that rules can be compiled where the servlet API is absent (a WebFlux application) without linking it.
 */
final class KeyResolvers implements KeyResolver {

	private final RequestKey key;

	private final ClientAddressResolver addresses;

	KeyResolvers(RequestKey key, ClientAddressResolver addresses) {
		this.key = Objects.requireNonNull(key, "key must not be null");
		this.addresses = Objects.requireNonNull(addresses, "addresses must not be null");
	}

	@Override
	public @Nullable String resolve(HttpServletRequest request) {
		return switch (this.key.kind()) {
			case IP -> this.addresses.resolveKey(request);
			case HEADER -> request.getHeader(this.key.header());
			case PRINCIPAL -> principal(request);
			case PATH -> path(request);
			case EXPRESSION -> this.key.evaluate(request);
		};
	}

	@Override
	public RequestKey requestKey() {
		return this.key;
	}

	static @Nullable String principal(HttpServletRequest request) {
		Principal principal = request.getUserPrincipal();
		return (principal != null) ? principal.getName() : null;
	}

	/**
	 * Returns the path rules are matched against: within the application, percent-decoded, without path parameters
	 * ({@code ;name=value}). Uses the request's parsed path, which rule matching has already parsed and cached.
	 */
	static String path(HttpServletRequest request) {
		return RequestKey.path(ServletPaths.pathWithinApplication(request));
	}

}
