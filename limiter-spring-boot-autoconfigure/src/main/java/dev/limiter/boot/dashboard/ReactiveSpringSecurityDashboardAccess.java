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
 * {@code POST} to it. WebFlux has no privilege evaluator, so the rules are asked as Security would ask them for such
 * a request: the first {@link SecurityWebFilterChain} that matches it, through its {@link AuthorizationWebFilter},
 * with the viewer's authentication (no other filter runs, nothing is written). A path no chain matches, or a chain
 * without authorization rules, is allowed. Writes carry the exchange's CSRF token when Security issued one.
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
		return Flux.fromIterable(this.chains.get())
			.concatMap((chain) -> chain.matches(probe).filter(Boolean::booleanValue).map((matched) -> chain))
			.next()
			.flatMap((chain) -> chain.getWebFilters().filter(AuthorizationWebFilter.class::isInstance).next())
			.flatMap((authorization) -> authorization.filter(probe, (passed) -> Mono.empty())
				.thenReturn(true)
				.onErrorResume(AccessDeniedException.class, (denied) -> Mono.just(false)))
			.defaultIfEmpty(true);
	}

	@Override
	public Mono<DashboardAccess.CsrfHeader> csrf(ServerWebExchange exchange) {
		Mono<CsrfToken> token = exchange.getAttribute(CsrfToken.class.getName());
		return (token != null) ? token.map((csrf) -> new DashboardAccess.CsrfHeader(csrf.getHeaderName(),
				csrf.getToken())) : Mono.empty();
	}

}
