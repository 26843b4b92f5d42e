package dev.limiter.boot.dashboard;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.HandlerFunction;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Serves the dashboard under the management path: the page ({@code GET {base}/limiter-dashboard}), its scripts and
 * styles from the jar (uPlot from its webjar), the samples as Server-Sent Events ({@code .../stream}) and, for proxies
 * that buffer streams, as JSON to poll ({@code .../data?since=n}); all of it only to users who may read the
 * {@code limiter} endpoint, and the controls only to those who may write to it ({@link DashboardAccess}). Every
 * response carries {@code Content-Security-Policy: default-src 'self'} (plus {@code frame-ancestors 'none'}): the
 * page runs no inline script or style and loads nothing from elsewhere.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterDashboardHandler {

	/** The page's path below the management base path. */
	public static final String PATH = DashboardContent.PATH;

	private final LimiterDashboard dashboard;

	private final DashboardAccess access;

	private final DashboardContent content = new DashboardContent();

	/** Writes to the streams, so that a viewer whose connection stalls holds up neither the sampler nor the others. */
	private final Executor writer = Executors.newCachedThreadPool((runnable) -> {
		Thread thread = new Thread(runnable, "limiter-dashboard-sse");
		thread.setDaemon(true);
		return thread;
	});

	/**
	 * Creates the handler.
	 * @param dashboard the dashboard's model
	 * @param access who may use the controls
	 */
	public LimiterDashboardHandler(LimiterDashboard dashboard, DashboardAccess access) {
		this.dashboard = Objects.requireNonNull(dashboard, "dashboard must not be null");
		this.access = Objects.requireNonNull(access, "access must not be null");
	}

	/**
	 * Returns the routes of the dashboard.
	 * @param basePath the management base path, such as {@code /actuator} (may be empty)
	 * @return the routes
	 */
	public RouterFunction<ServerResponse> routes(String basePath) {
		String root = basePath + PATH;
		return RouterFunctions.route()
			.GET(root, this::page)
			.GET(root + "/stream", this::stream)
			.GET(root + "/data", this::data)
			.GET(root + "/{asset}", this::asset)
			.filter(this::readable)
			.build();
	}

	/**
	 * Answers only those who may read the {@code limiter} endpoint, however the application's security rules match
	 * the page's own path (a rule built with {@code EndpointRequest} does not match it).
	 */
	private ServerResponse readable(ServerRequest request, HandlerFunction<ServerResponse> handler) throws Exception {
		HttpServletRequest servletRequest = request.servletRequest();
		String path = DashboardContent.endpointPath(base(request), servletRequest.getContextPath(), null);
		if (!this.access.mayRead(servletRequest, path)) {
			return secured(ServerResponse.status(HttpStatus.FORBIDDEN)).contentType(MediaType.TEXT_PLAIN)
				.body(DashboardContent.forbidden(path));
		}
		return handler.handle(request);
	}

	private ServerResponse page(ServerRequest request) {
		String html = this.content.page(base(request), this.access.csrf(request.servletRequest()));
		return secured(ServerResponse.ok()).contentType(DashboardContent.HTML)
			.header(HttpHeaders.CACHE_CONTROL, "no-store")
			.body(html);
	}

	private static String base(ServerRequest request) {
		return DashboardContent.base(request.requestPath().value());
	}

	/** Whether the endpoint takes writes and this request's user may make them. */
	private boolean controls(ServerRequest request) {
		String name = this.dashboard.controls() ? this.dashboard.anyName() : null;
		if (name == null) {
			return false;
		}
		HttpServletRequest servletRequest = request.servletRequest();
		return this.access.mayWrite(servletRequest,
				DashboardContent.endpointPath(base(request), servletRequest.getContextPath(), name));
	}

	private ServerResponse asset(ServerRequest request) {
		DashboardContent.Asset asset = this.content.asset(request.pathVariable("asset"));
		if (asset == null) {
			return ServerResponse.notFound().build();
		}
		boolean gzip = DashboardContent.acceptsGzip(request.headers().header(HttpHeaders.ACCEPT_ENCODING));
		return secured(ServerResponse.ok()).headers((headers) -> DashboardContent.assetHeaders(headers, asset, gzip))
			.body(asset.body(gzip));
	}

	private ServerResponse data(ServerRequest request) {
		long since = DashboardContent.since(request.param("since").orElse(null));
		return secured(ServerResponse.ok()).contentType(MediaType.APPLICATION_JSON)
			.header(HttpHeaders.CACHE_CONTROL, "no-store")
			.body(this.dashboard.poll(since, controls(request)));
	}

	private ServerResponse stream(ServerRequest request) {
		boolean controls = controls(request);
		return ServerResponse.sse((sse) -> {
			SseViewer viewer = new SseViewer(sse, controls, this.writer);
			sse.onComplete(() -> this.dashboard.unwatch(viewer));
			sse.onTimeout(() -> this.dashboard.unwatch(viewer));
			sse.onError((ex) -> this.dashboard.unwatch(viewer));
			viewer.start(this.dashboard);
		}, DashboardContent.STREAM_TIMEOUT);
	}

	private static ServerResponse.BodyBuilder secured(ServerResponse.BodyBuilder builder) {
		return builder.headers((headers) -> DashboardContent.SECURITY_HEADERS.forEach(headers::set));
	}

}
