package dev.limiter.boot.dashboard;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.zip.GZIPOutputStream;

import org.jspecify.annotations.Nullable;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.util.HtmlUtils;

/**
 * What the dashboard serves, whichever web stack serves it ({@link LimiterDashboardHandler} on servlets,
 * {@link ReactiveLimiterDashboardHandler} on WebFlux): the page, its files from the jar (uPlot from its webjar),
 * the headers every response carries, and how a request's path and parameters are read.
 */
final class DashboardContent {

	static final String PATH = "/limiter-dashboard";

	static final String CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
			+ "form-action 'none'";

	/** Sent with every response: the page runs no inline script or style and loads nothing from elsewhere. */
	static final Map<String, String> SECURITY_HEADERS = Map.of("Content-Security-Policy", CONTENT_SECURITY_POLICY,
			"X-Content-Type-Options", "nosniff", "Referrer-Policy", "no-referrer");

	static final MediaType HTML = MediaType.parseMediaType("text/html;charset=UTF-8");

	/** How long an event stream stays open before the browser reconnects. */
	static final Duration STREAM_TIMEOUT = Duration.ofMinutes(30);

	/** How long a browser waits before reconnecting a dropped event stream. */
	static final Duration STREAM_RETRY = Duration.ofSeconds(3);

	private static final String LOCATION = "META-INF/limiter-dashboard/";

	private static final MediaType JAVASCRIPT = MediaType.parseMediaType("text/javascript;charset=UTF-8");

	private static final MediaType CSS = MediaType.parseMediaType("text/css;charset=UTF-8");

	private final String page;

	private final Map<String, Asset> assets;

	DashboardContent() {
		this.page = new String(read(LOCATION + "index.html"), StandardCharsets.UTF_8);
		String uplot = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
		this.assets = Map.of("dashboard.js", new Asset(read(LOCATION + "dashboard.js"), JAVASCRIPT), "dashboard.css",
				new Asset(read(LOCATION + "dashboard.css"), CSS), "uPlot.min.js",
				new Asset(read(uplot + "uPlot.iife.min.js"), JAVASCRIPT), "uPlot.min.css",
				new Asset(read(uplot + "uPlot.min.css"), CSS), "favicon.svg",
				new Asset(read(LOCATION + "favicon.svg"), MediaType.parseMediaType("image/svg+xml")));
	}

	/**
	 * Returns the page.
	 * @param base what precedes {@link #PATH} in the request's path
	 * @param csrf the token the page's writes must carry, or {@code null}
	 * @return the HTML
	 */
	String page(String base, DashboardAccess.@Nullable CsrfHeader csrf) {
		String meta = (csrf != null)
				? "<meta name=\"limiter-csrf-header\" content=\"" + HtmlUtils.htmlEscape(csrf.name()) + "\">\n"
						+ "<meta name=\"limiter-csrf-token\" content=\"" + HtmlUtils.htmlEscape(csrf.token()) + "\">"
				: "";
		return this.page.replace("{{base}}", HtmlUtils.htmlEscape(base)).replace("{{csrf}}", meta);
	}

	/**
	 * Returns a file of the page.
	 * @param name its name, such as {@code dashboard.js}
	 * @return the file, or {@code null} when there is none of that name
	 */
	@Nullable Asset asset(String name) {
		return this.assets.get(name);
	}

	/**
	 * Returns what precedes {@link #PATH} in a request's path: the context path and the management base path.
	 * @param requestPath the request's path
	 * @return the base
	 */
	static String base(String requestPath) {
		int at = requestPath.lastIndexOf(PATH);
		return (at >= 0) ? requestPath.substring(0, at) : "";
	}

	/**
	 * Returns the endpoint's read path (or, with a name, the path of one of its write operations) for a request.
	 * @param base what precedes {@link #PATH} in the request's path
	 * @param contextPath the context path, which the path returned leaves out
	 * @param name the instance written to, or {@code null} for the read path
	 * @return the path, such as {@code /actuator/limiter}
	 */
	static String endpointPath(String base, String contextPath, @Nullable String name) {
		return base.substring(contextPath.length()) + "/limiter" + ((name != null) ? "/" + name : "");
	}

	/**
	 * Returns the answer to a user who may not read the endpoint.
	 * @param readPath the endpoint's read path
	 * @return the text
	 */
	static String forbidden(String readPath) {
		return "The limiter dashboard shows what GET " + readPath + " shows, which this user may not read.\n";
	}

	/**
	 * Reads the {@code since} parameter of a poll.
	 * @param value the parameter, or {@code null}
	 * @return the sequence number, or -1 for a snapshot
	 */
	static long since(@Nullable String value) {
		if (value == null) {
			return -1;
		}
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	/**
	 * Returns whether a client takes gzip.
	 * @param acceptEncoding the values of its {@code Accept-Encoding} headers
	 * @return whether it does
	 */
	static boolean acceptsGzip(List<String> acceptEncoding) {
		return acceptEncoding.stream().anyMatch((accepted) -> accepted.contains("gzip"));
	}

	/**
	 * Writes the headers of a file's response, gzipped or not.
	 * @param headers the response's headers
	 * @param asset the file
	 * @param gzip whether the response is gzipped
	 */
	static void assetHeaders(HttpHeaders headers, Asset asset, boolean gzip) {
		headers.setContentType(asset.type());
		headers.setCacheControl("no-cache");
		headers.add(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
		if (gzip) {
			headers.add(HttpHeaders.CONTENT_ENCODING, "gzip");
		}
	}

	static String uplotVersion() {
		try (InputStream in = new ClassPathResource("META-INF/maven/org.webjars.npm/uplot/pom.properties")
			.getInputStream()) {
			Properties properties = new Properties();
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

	/**
	 * A file served from the jar, kept as read and gzipped.
	 * @param content the file
	 * @param gzipped the file, gzipped
	 * @param type its media type
	 */
	record Asset(byte[] content, byte[] gzipped, MediaType type) {

		Asset(byte[] content, MediaType type) {
			this(content, gzip(content), type);
		}

		byte[] body(boolean gzip) {
			return gzip ? this.gzipped : this.content;
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
