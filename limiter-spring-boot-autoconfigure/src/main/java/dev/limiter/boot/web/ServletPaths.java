package dev.limiter.boot.web;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * A servlet request's path as rules and the {@code path} key see it. Kept apart from {@link RequestRule}, which a
 * WebFlux application uses without the servlet API.
 */
final class ServletPaths {

	private static final PathContainer.Options UNDECODED = PathContainer.Options.create('/', false);

	private ServletPaths() {
	}

	static int contextPathLength(HttpServletRequest request) {
		String contextPath = request.getContextPath();
		return (contextPath != null) ? contextPath.length() : 0;
	}

	/**
	 * Returns the request's path within the application as rules and the {@code path} key see it: percent-decoded,
	 * without path parameters, parsed once per request and cached as Spring MVC does. A path whose percent-encoding
	 * is malformed (which Spring cannot decode) is taken undecoded rather than failing the request.
	 */
	static PathContainer pathWithinApplication(HttpServletRequest request) {
		try {
			return requestPath(request).pathWithinApplication();
		}
		catch (IllegalArgumentException ex) {
			return PathContainer.parsePath(request.getRequestURI().substring(contextPathLength(request)), UNDECODED);
		}
	}

	private static RequestPath requestPath(HttpServletRequest request) {
		if (ServletRequestPathUtils.hasParsedRequestPath(request)) {
			return ServletRequestPathUtils.getParsedRequestPath(request);
		}
		return ServletRequestPathUtils.parseAndCache(request);
	}

}
