package dev.limiter.boot.dashboard;

import java.util.Objects;
import java.util.function.Supplier;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.access.WebInvocationPrivilegeEvaluator;
import org.springframework.security.web.csrf.CsrfToken;

/**
 * {@link DashboardAccess} from Spring Security: a viewer may write when the application's security rules let the
 * viewer {@code POST} to the {@code limiter} endpoint (asked of Security's {@link WebInvocationPrivilegeEvaluator}),
 * and writes carry the request's CSRF token when Security issued one.
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
	public boolean mayWrite(HttpServletRequest request, String writePath) {
		WebInvocationPrivilegeEvaluator evaluator = this.evaluator.get();
		if (evaluator == null) {
			return true;
		}
		return evaluator.isAllowed(request.getContextPath(), writePath, "POST",
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
