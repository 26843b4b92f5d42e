package dev.limiter.boot.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Who may see the dashboard (those who may read the {@code limiter} endpoint), who may use its controls (the
 * endpoint's write operations), and the CSRF token their writes must carry. The page shows controls only to a viewer
 * who may write; the endpoint itself refuses the others.
 *
 * @author limiter
 * @since 0.1.0
 * @see SpringSecurityDashboardAccess
 */
public interface DashboardAccess {

	/** Everyone who sees the page may write, with no CSRF token: no Spring Security in front of the endpoint. */
	DashboardAccess OPEN = new DashboardAccess() {

		@Override
		public boolean mayRead(HttpServletRequest request, String readPath) {
			return true;
		}

		@Override
		public boolean mayWrite(HttpServletRequest request, String writePath) {
			return true;
		}

		@Override
		public @Nullable CsrfHeader csrf(HttpServletRequest request) {
			return null;
		}

	};

	/**
	 * Returns whether the request's user may {@code GET} the endpoint, and so see the page.
	 * @param request the request for the page, its data or its files
	 * @param readPath the endpoint's path, such as {@code /actuator/limiter}, without the context path
	 * @return whether the user may read
	 */
	boolean mayRead(HttpServletRequest request, String readPath);

	/**
	 * Returns whether the request's user may {@code POST} to the endpoint's write path.
	 * @param request the request for the page or its data
	 * @param writePath the path of one write operation, such as {@code /actuator/limiter/api}, without the context
	 * path
	 * @return whether the user may write
	 */
	boolean mayWrite(HttpServletRequest request, String writePath);

	/**
	 * Returns the CSRF token the page's writes must send, if any.
	 * @param request the request for the page
	 * @return the header and token, or {@code null} when writes need none
	 */
	@Nullable CsrfHeader csrf(HttpServletRequest request);

	/**
	 * A CSRF token and the request header that carries it.
	 * @param name the header's name
	 * @param token the token
	 */
	record CsrfHeader(String name, String token) {
	}

}
