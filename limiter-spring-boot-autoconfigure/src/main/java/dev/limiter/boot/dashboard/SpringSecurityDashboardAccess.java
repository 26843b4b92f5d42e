package dev.limiter.boot.dashboard;

import java.util.Objects;
import java.util.function.Supplier;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.access.WebInvocationPrivilegeEvaluator;
import org.springframework.security.web.csrf.CsrfToken;

/**
 * {@link DashboardAccess} from Spring Security: a viewer may see the page when the application's security rules let
 * the viewer {@code GET} the {@code limiter} endpoint, and write when they let the viewer {@code POST} to it (asked of
 * Security's {@link WebInvocationPrivilegeEvaluator}); writes carry the request's CSRF token when Security issued one.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class SpringSecurityDashboardAccess implements DashboardAccess {

	private final Supplier<@Nullable WebInvocationPrivilegeEvaluator> evaluator;

	/**
	 * Creates the access check.
	 * @param evaluator supplies Security's evaluator, or {@code null} when there is none (everyone may write)
	 */
	public SpringSecurityDashboardAccess(Supplier<@Nullable WebInvocationPrivilegeEvaluator> evaluator) {
		this.evaluator = Objects.requireNonNull(evaluator, "evaluator must not be null");
	}

	@Override
	public boolean mayRead(HttpServletRequest request, String readPath) {
		return isAllowed(request, readPath, "GET");
	}

	@Override
	public boolean mayWrite(HttpServletRequest request, String writePath) {
		return isAllowed(request, writePath, "POST");
	}

	private boolean isAllowed(HttpServletRequest request, String path, String method) {
		WebInvocationPrivilegeEvaluator evaluator = this.evaluator.get();
		if (evaluator == null) {
			return true;
		}
		return evaluator.isAllowed(request.getContextPath(), path, method,
				SecurityContextHolder.getContext().getAuthentication());
	}

	@Override
	public @Nullable CsrfHeader csrf(HttpServletRequest request) {
		Object token = request.getAttribute(CsrfToken.class.getName());
		if (token instanceof CsrfToken csrf) {
			return new CsrfHeader(csrf.getHeaderName(), csrf.getToken());
		}
		return null;
	}

}
