package dev.limiter.boot.dashboard;

import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Serves the dashboard in a WebFlux application, as {@link LimiterDashboardHandler} does on servlets: the page
 * ({@code GET {base}/limiter-dashboard}), its scripts and styles, the samples as Server-Sent Events
 * ({@code .../stream}) and as JSON to poll ({@code .../data?since=n}); all of it only to users who may read the
 * {@code limiter} endpoint, the controls only to those who may write to it ({@link ReactiveDashboardAccess}), every
 * response with the same strict {@code Content-Security-Policy}. Nothing blocks: the sampler hands each viewer its
 * ticks without waiting for the connection.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ReactiveLimiterDashboardHandler {

	private final LimiterDashboard dashboard;

	private final ReactiveDashboardAccess access;

	private final DashboardContent content = new DashboardContent();

	/**
	 * Creates the handler.
	 * @param dashboard the dashboard's model
	 * @param access who may see the page and use the controls
	 */
	public ReactiveLimiterDashboardHandler(LimiterDashboard dashboard, ReactiveDashboardAccess access) {
		this.access = Objects.requireNonNull(access, "access must not be null");
		this.dashboard = Objects.requireNonNull(dashboard, "dashboard must not be null");
	}

	/**
	 * Returns the dashboard's routes, nested under {@code {basePath}/limiter-dashboard}, behind its access rule.
	 * @param basePath the management base path, such as {@code /actuator} (may be empty)
	 * @return the routes
	 */
	public RouterFunction<ServerResponse> routes(String basePath) {
		RouterFunction<ServerResponse> below = RouterFunctions.route(RequestPredicates.GET(""), this::page)
			.andRoute(RequestPredicates.GET("/stream"), this::stream)
			.andRoute(RequestPredicates.GET("/data"), this::data)
			.andRoute(RequestPredicates.GET("/{asset}"), this::asset);
		return RouterFunctions.nest(RequestPredicates.path(basePath + DashboardContent.PATH), below)
			.filter(this::readable);
	}

	/** Answers only those who may read the {@code limiter} endpoint (see {@link LimiterDashboardHandler}). */
	private Mono<ServerResponse> readable(ServerRequest request, HandlerFunction<ServerResponse> handler) {
		String path = endpointPath(request, null);
		return this.access.mayRead(request.exchange(), path)
			.flatMap((allowed) -> allowed ? handler.handle(request)
					: secured(ServerResponse.status(HttpStatus.FORBIDDEN)).contentType(MediaType.TEXT_PLAIN)
						.bodyValue(DashboardContent.forbidden(path)));
	}

	private Mono<ServerResponse> page(ServerRequest request) {
		return this.access.csrf(request.exchange())
			.map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((csrf) -> secured(ServerResponse.ok()).contentType(DashboardContent.HTML)
				.header(HttpHeaders.CACHE_CONTROL, "no-store")
				.bodyValue(this.content.page(base(request), csrf.orElse(null))));
	}

	private static String base(ServerRequest request) {
		return DashboardContent.base(request.requestPath().value());
	}

	private static String endpointPath(ServerRequest request, @Nullable String name) {
		return DashboardContent.endpointPath(base(request), request.requestPath().contextPath().value(), name);
	}

	/** Whether the endpoint takes writes and this request's user may make them. */
	private Mono<Boolean> controls(ServerRequest request) {
		String name = this.dashboard.controls() ? this.dashboard.anyName() : null;
		return (name != null) ? this.access.mayWrite(request.exchange(), endpointPath(request, name))
				: Mono.just(false);
	}

	private Mono<ServerResponse> asset(ServerRequest request) {
		boolean gzip = DashboardContent.acceptsGzip(request.headers().header(HttpHeaders.ACCEPT_ENCODING));
		return Mono.justOrEmpty(this.content.asset(request.pathVariable("asset")))
			.flatMap((asset) -> secured(ServerResponse.ok())
				.headers((headers) -> DashboardContent.assetHeaders(headers, asset, gzip))
				.bodyValue(asset.body(gzip)))
			.switchIfEmpty(ServerResponse.notFound().build());
	}

	private Mono<ServerResponse> data(ServerRequest request) {
		long since = DashboardContent.since(request.queryParam("since").orElse(null));
		return controls(request).flatMap((controls) -> secured(ServerResponse.ok())
			.contentType(MediaType.APPLICATION_JSON)
			.header(HttpHeaders.CACHE_CONTROL, "no-store")
			.bodyValue(this.dashboard.poll(since, controls)));
	}

	private Mono<ServerResponse> stream(ServerRequest request) {
		return controls(request).flatMap((controls) -> secured(ServerResponse.ok())
			.contentType(MediaType.TEXT_EVENT_STREAM)
			.header(HttpHeaders.CACHE_CONTROL, "no-store")
			.body(ReactiveSseViewer.events(this.dashboard, controls), ServerSentEvent.class));
	}

	private static ServerResponse.BodyBuilder secured(ServerResponse.BodyBuilder builder) {
		return builder.headers((headers) -> DashboardContent.SECURITY_HEADERS.forEach(headers::set));
	}

}
