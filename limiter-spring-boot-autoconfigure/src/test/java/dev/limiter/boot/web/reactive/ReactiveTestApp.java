package dev.limiter.boot.web.reactive;

import java.net.InetSocketAddress;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.limiter.annotation.RateLimitExceededException;
import dev.limiter.core.breaker.BreakerOpenException;
import dev.limiter.core.ratelimit.Decision;
import dev.limiter.core.shedding.OverloadException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.test.web.reactive.server.HttpHandlerConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import org.springframework.web.reactive.handler.WebFluxResponseStatusExceptionHandler;

import static org.springframework.web.reactive.function.server.RequestPredicates.path;

/**
 * A small WebFlux application for the filter tests, reached through {@link WebTestClient}: the filters given, in the
 * order given, behind one that takes the client address from {@code X-Test-Remote} (default 127.0.0.1) and the
 * principal from {@code X-Test-User}; the exception handlers given, then WebFlux's status handler; and these
 * routes: {@code /fail} (500), {@code /error} (an error signal), {@code /missing} (a 404 error), {@code /down} (503),
 * {@code /inner-limit}, {@code /inner-breaker}, {@code /inner-shedder} (the annotations' exceptions) and anything
 * else (200 "ok").
 */
final class ReactiveTestApp {

	static final String REMOTE = "X-Test-Remote";

	static final String USER = "X-Test-User";

	private ReactiveTestApp() {
	}

	static WebTestClient client(List<WebFilter> filters, WebExceptionHandler... handlers) {
		List<WebFilter> all = new ArrayList<>();
		all.add(ReactiveTestApp::identify);
		all.addAll(filters);
		HttpHandler handler = WebHttpHandlerBuilder.webHandler(RouterFunctions.toWebHandler(routes()))
			.filters((list) -> list.addAll(all))
			.exceptionHandlers((list) -> {
				list.addAll(List.of(handlers));
				list.add(new WebFluxResponseStatusExceptionHandler());
			})
			.build();
		return WebTestClient.bindToServer(new HttpHandlerConnector(handler)).build();
	}

	static WebTestClient client(WebFilter... filters) {
		return client(List.of(filters));
	}

	private static RouterFunction<ServerResponse> routes() {
		Decision refused = new Decision(false, 5, 0, Duration.ofSeconds(7), Duration.ofSeconds(7));
		return RouterFunctions.route(path("/fail"), (request) -> ServerResponse.status(500).build())
			.andRoute(path("/error"), (request) -> Mono.error(new IllegalStateException("boom")))
			.andRoute(path("/missing"), (request) -> Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND)))
			.andRoute(path("/down"), (request) -> ServerResponse.status(503).build())
			.andRoute(path("/inner-limit"), (request) -> Mono.error(new RateLimitExceededException("inner", refused)))
			.andRoute(path("/inner-breaker"), (request) -> Mono.error(new BreakerOpenException("inner")))
			.andRoute(path("/inner-shedder"), (request) -> Mono.error(new OverloadException("inner")))
			.andRoute(path("/**"), (request) -> ServerResponse.ok().bodyValue("ok"));
	}

	private static Mono<Void> identify(org.springframework.web.server.ServerWebExchange exchange,
			org.springframework.web.server.WebFilterChain chain) {
		String remote = exchange.getRequest().getHeaders().getFirst(REMOTE);
		InetSocketAddress address = new InetSocketAddress((remote != null) ? remote : "127.0.0.1", 40000);
		ServerHttpRequest request = new ServerHttpRequestDecorator(exchange.getRequest()) {

			@Override
			public @Nullable InetSocketAddress getRemoteAddress() {
				return address;
			}

		};
		String user = exchange.getRequest().getHeaders().getFirst(USER);
		Principal principal = (user != null) ? () -> user : null;
		return chain.filter(exchange.mutate()
			.request(request)
			.principal((principal != null) ? Mono.just(principal) : Mono.empty())
			.build());
	}

}
