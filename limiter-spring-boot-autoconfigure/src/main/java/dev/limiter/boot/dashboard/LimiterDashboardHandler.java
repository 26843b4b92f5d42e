package dev.limiter.boot.dashboard;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.HandlerFunction;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;
import org.springframework.web.util.HtmlUtils;

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
	public static final String PATH = "/limiter-dashboard";

	static final String CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
			+ "form-action 'none'";

	private static final String LOCATION = "META-INF/limiter-dashboard/";

	private static final Duration STREAM_TIMEOUT = Duration.ofMinutes(30);

	private static final MediaType JAVASCRIPT = MediaType.parseMediaType("text/javascript;charset=UTF-8");

	private static final MediaType CSS = MediaType.parseMediaType("text/css;charset=UTF-8");

	private final LimiterDashboard dashboard;

	private final DashboardAccess access;

	private final String page;

	private final Map<String, Asset> assets;

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
		this.page = new String(read(LOCATION + "index.html"), StandardCharsets.UTF_8);
		String uplot = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
		this.assets = Map.of("dashboard.js", new Asset(read(LOCATION + "dashboard.js"), JAVASCRIPT), "dashboard.css",
				new Asset(read(LOCATION + "dashboard.css"), CSS), "uPlot.min.js",
				new Asset(read(uplot + "uPlot.iife.min.js"), JAVASCRIPT), "uPlot.min.css",
				new Asset(read(uplot + "uPlot.min.css"), CSS), "favicon.svg",
				new Asset(read(LOCATION + "favicon.svg"), MediaType.parseMediaType("image/svg+xml")));
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
		String path = base(request).substring(servletRequest.getContextPath().length()) + "/limiter";
		if (!this.access.mayRead(servletRequest, path)) {
			return secured(ServerResponse.status(HttpStatus.FORBIDDEN)).contentType(MediaType.TEXT_PLAIN)
				.body("The limiter dashboard shows what GET " + path + " shows, which this user may not read.\n");
		}
		return handler.handle(request);
	}

	private ServerResponse page(ServerRequest request) {
		String html = this.page.replace("{{base}}", HtmlUtils.htmlEscape(base(request)))
			.replace("{{csrf}}", csrfMeta(request));
		return secured(ServerResponse.ok()).contentType(MediaType.parseMediaType("text/html;charset=UTF-8"))
			.header(HttpHeaders.CACHE_CONTROL, "no-store")
			.body(html);
	}

	/** The context path and the management base path: what precedes {@link #PATH} in the request's path. */
	private static String base(ServerRequest request) {
		String path = request.requestPath().value();
		int at = path.lastIndexOf(PATH);
		return (at >= 0) ? path.substring(0, at) : "";
	}

	private String csrfMeta(ServerRequest request) {
		DashboardAccess.CsrfHeader csrf = this.access.csrf(request.servletRequest());
		if (csrf == null) {
			return "";
		}
		return "<meta name=\"limiter-csrf-header\" content=\"" + HtmlUtils.htmlEscape(csrf.name()) + "\">\n"
				+ "<meta name=\"limiter-csrf-token\" content=\"" + HtmlUtils.htmlEscape(csrf.token()) + "\">";
	}

	/** Whether the endpoint takes writes and this request's user may make them. */
	private boolean controls(ServerRequest request) {
		if (!this.dashboard.controls()) {
			return false;
		}
		String name = this.dashboard.anyName();
		if (name == null) {
			return false;
		}
		HttpServletRequest servletRequest = request.servletRequest();
		String path = base(request).substring(servletRequest.getContextPath().length()) + "/limiter/" + name;
		return this.access.mayWrite(servletRequest, path);
	}

	private ServerResponse asset(ServerRequest request) {
		Asset asset = this.assets.get(request.pathVariable("asset"));
		if (asset == null) {
			return ServerResponse.notFound().build();
		}
		ServerResponse.BodyBuilder response = secured(ServerResponse.ok()).contentType(asset.type())
			.header(HttpHeaders.CACHE_CONTROL, "no-cache")
			.header(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
		boolean gzip = request.headers()
			.header(HttpHeaders.ACCEPT_ENCODING)
			.stream()
			.anyMatch((accepted) -> accepted.contains("gzip"));
		return gzip ? response.header(HttpHeaders.CONTENT_ENCODING, "gzip").body(asset.gzipped())
				: response.body(asset.content());
	}

	private ServerResponse data(ServerRequest request) {
		long since = request.param("since").map(LimiterDashboardHandler::parse).orElse(-1L);
		return secured(ServerResponse.ok()).contentType(MediaType.APPLICATION_JSON)
			.header(HttpHeaders.CACHE_CONTROL, "no-store")
			.body(this.dashboard.poll(since, controls(request)));
	}

	private static long parse(String value) {
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	private ServerResponse stream(ServerRequest request) {
		boolean controls = controls(request);
		return ServerResponse.sse((sse) -> {
			SseViewer viewer = new SseViewer(sse, controls, this.writer);
			sse.onComplete(() -> this.dashboard.unwatch(viewer));
			sse.onTimeout(() -> this.dashboard.unwatch(viewer));
			sse.onError((ex) -> this.dashboard.unwatch(viewer));
			viewer.start(this.dashboard);
		}, STREAM_TIMEOUT);
	}

	private static ServerResponse.BodyBuilder secured(ServerResponse.BodyBuilder builder) {
		return builder.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
			.header("X-Content-Type-Options", "nosniff")
			.header("Referrer-Policy", "no-referrer");
	}

	static String uplotVersion() {
		try (InputStream in = new ClassPathResource("META-INF/maven/org.webjars.npm/uplot/pom.properties")
			.getInputStream()) {
			java.util.Properties properties = new java.util.Properties();
			properties.load(in);
			return Objects.requireNonNull(properties.getProperty("version"), "uplot version");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The dashboard needs org.webjars.npm:uplot on the class path", ex);
		}
	}

	private static byte[] read(String location) {
		try (InputStream in = new ClassPathResource(location).getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read " + location, ex);
		}
	}

	/** A file served from the jar, kept as read and gzipped. */
	private record Asset(byte[] content, byte[] gzipped, MediaType type) {

		Asset(byte[] content, MediaType type) {
			this(content, gzip(content), type);
		}

		private static byte[] gzip(byte[] content) {
			ByteArrayOutputStream out = new ByteArrayOutputStream(content.length / 2);
			try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
				gzip.write(content);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			return out.toByteArray();
		}

	}

}
