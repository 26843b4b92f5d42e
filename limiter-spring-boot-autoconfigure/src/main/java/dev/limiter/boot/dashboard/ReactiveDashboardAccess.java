package dev.limiter.boot.dashboard;

import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

/**
 * The WebFlux counterpart of {@link DashboardAccess}: who may see the dashboard (those who may read the
 * {@code limiter} endpoint), who may use its controls (the endpoint's write operations), and the CSRF token their
 * writes must carry. Answers without blocking.
 *
 * @author limiter
 * @since 0.1.0
 * @see ReactiveSpringSecurityDashboardAccess
 */
public interface ReactiveDashboardAccess {

	/** Everyone who sees the page may write, with no CSRF token: no Spring Security in front of the endpoint. */
	ReactiveDashboardAccess OPEN = new ReactiveDashboardAccess() {

		@Override
		public Mono<Boolean> mayRead(ServerWebExchange exchange, String readPath) {
			return Mono.just(true);
		}

		@Override
		public Mono<Boolean> mayWrite(ServerWebExchange exchange, String writePath) {
			return Mono.just(true);
		}

		@Override
		public Mono<DashboardAccess.CsrfHeader> csrf(ServerWebExchange exchange) {
			return Mono.empty();
		}

	};

	/**
	 * Tells whether the exchange's user may {@code GET} the endpoint, and so see the page.
	 * @param exchange the exchange for the page, its data or its files
	 * @param readPath the endpoint's path, such as {@code /actuator/limiter}, without the context path
	 * @return whether the user may read
	 */
	Mono<Boolean> mayRead(ServerWebExchange exchange, String readPath);

	/**
	 * Tells whether the exchange's user may {@code POST} to the endpoint's write path.
	 * @param exchange the exchange for the page or its data
	 * @param writePath the path of one write operation, such as {@code /actuator/limiter/api}, without the context
	 * path
	 * @return whether the user may write
	 */
	Mono<Boolean> mayWrite(ServerWebExchange exchange, String writePath);

	/**
	 * Gives the CSRF token the page's writes must send, if any.
	 * @param exchange the exchange for the page
	 * @return the header and token, or empty when writes need none
	 */
	Mono<DashboardAccess.CsrfHeader> csrf(ServerWebExchange exchange);

}
