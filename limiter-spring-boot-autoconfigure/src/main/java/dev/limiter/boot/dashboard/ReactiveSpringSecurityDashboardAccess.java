package dev.limiter.boot.dashboard;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpMethod;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authorization.AuthorizationWebFilter;
import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.web.server.ServerWebExchange;

/**
 * {@link ReactiveDashboardAccess} from Spring Security on WebFlux: a viewer may see the page when the application's
 * security rules let the viewer {@code GET} the {@code limiter} endpoint, and write when they let the viewer
 * {@code POST} to it. WebFlux has no privilege evaluator, so the rules are asked as the servlet stack's evaluator asks
 * them: among the {@link SecurityWebFilterChain}s that have authorization rules (an {@link AuthorizationWebFilter}),
 * the first that matches such a request decides, through that filter, with the viewer's authentication (no other
 * filter runs, nothing is written). A request that no chain with authorization rules matches is denied, even when a
 * chain without any matches it; only an application without any authorization rules (no chain has them, or there is
 * no chain) lets everyone in. Writes carry the exchange's CSRF token when Security issued one.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ReactiveSpringSecurityDashboardAccess implements ReactiveDashboardAccess {

	private final Supplier<List<SecurityWebFilterChain>> chains;

	/**
	 * Creates the access check.
	 * @param chains supplies the application's security filter chains, in order
	 */
	public ReactiveSpringSecurityDashboardAccess(Supplier<List<SecurityWebFilterChain>> chains) {
		this.chains = Objects.requireNonNull(chains, "chains must not be null");
	}

	@Override
	public Mono<Boolean> mayRead(ServerWebExchange exchange, String readPath) {
		return isAllowed(exchange, readPath, HttpMethod.GET);
	}

	@Override
	public Mono<Boolean> mayWrite(ServerWebExchange exchange, String writePath) {
		return isAllowed(exchange, writePath, HttpMethod.POST);
	}

	private Mono<Boolean> isAllowed(ServerWebExchange exchange, String path, HttpMethod method) {
		String contextPath = exchange.getRequest().getPath().contextPath().value();
		ServerWebExchange probe = exchange.mutate()
			.request((request) -> request.method(method).path(contextPath + path))
			.build();
		// as Spring Security's servlet evaluator: without authorization rules anywhere everyone may, else the first
		// chain with rules that matches decides, and none matching denies (a chain without rules allows nothing)
		return Flux.fromIterable(this.chains.get())
			.concatMap((chain) -> chain.getWebFilters()
				.filter(AuthorizationWebFilter.class::isInstance)
				.next()
				.map((authorization) -> new Authorizing(chain, (AuthorizationWebFilter) authorization)))
			.collectList()
			.flatMap((authorizing) -> authorizing.isEmpty() ? Mono.just(true) : decide(authorizing, probe));
	}

	private static Mono<Boolean> decide(List<Authorizing> authorizing, ServerWebExchange probe) {
		return Flux.fromIterable(authorizing)
			.concatMap((candidate) -> candidate.chain()
				.matches(probe)
				.filter(Boolean::booleanValue)
				.map((matched) -> candidate.authorization()))
			.next()
			.flatMap((authorization) -> authorization.filter(probe, (passed) -> Mono.empty())
				.thenReturn(true)
				.onErrorResume(AccessDeniedException.class, (denied) -> Mono.just(false)))
			.defaultIfEmpty(false);
	}

	@Override
	public Mono<DashboardAccess.CsrfHeader> csrf(ServerWebExchange exchange) {
		Mono<CsrfToken> token = exchange.getAttribute(CsrfToken.class.getName());
		return (token != null) ? token.map((csrf) -> new DashboardAccess.CsrfHeader(csrf.getHeaderName(),
				csrf.getToken())) : Mono.empty();
	}

	/** A chain with authorization rules, and its filter that applies them. */
	private record Authorizing(SecurityWebFilterChain chain, AuthorizationWebFilter authorization) {

	}

}
