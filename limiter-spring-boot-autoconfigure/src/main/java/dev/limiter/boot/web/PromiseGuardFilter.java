package dev.limiter.boot.web;

import java.io.IOException;
import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Function;

import dev.limiter.core.Promise;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The shared body of the servlet filters that guard a request with promise-returning protections (breakers,
 * shedders), through a {@link PromiseGuard}: a refusal is answered at once; otherwise the chain runs and every
 * promise is completed from the response ({@link PromiseCompletion}). A request no rule matches goes straight down
 * the chain, allocating nothing.
 */
abstract class PromiseGuardFilter implements Filter {

	private static final BiPredicate<RequestRule, HttpServletRequest> MATCHES = RequestRule::matches;

	private static final Function<HttpServletRequest, String> DESCRIBE = (request) -> request.getMethod() + " "
			+ request.getRequestURI();

	private final PromiseGuard guard;

	private final LimiterResponseWriter writer;

	PromiseGuardFilter(PromiseGuard guard, LimiterResponseWriter writer) {
		this.guard = guard;
		this.writer = Objects.requireNonNull(writer, "writer must not be null");
	}

	@Override
	public final void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
			throws IOException, ServletException {
		if (!(servletRequest instanceof HttpServletRequest request)
				|| !(servletResponse instanceof HttpServletResponse response)) {
			chain.doFilter(servletRequest, servletResponse);
			return;
		}
		Object admission = this.guard.admit(request, MATCHES, DESCRIBE);
		if (admission == null) {
			chain.doFilter(request, response);
		}
		else if (admission instanceof LimiterRejection rejection) {
			request.setAttribute(LimiterRejection.REQUEST_ATTRIBUTE, rejection);
			this.writer.write(request, response, rejection);
		}
		else {
			Promise[] promises = (Promise[]) admission;
			PromiseCompletion.proceed(request, response, chain, promises, PromiseGuard.count(promises),
					this.guard.outcome());
		}
	}

	/**
	 * Returns whether any rule has this filter's kind of protection; the filter need not be registered otherwise.
	 * @return whether the filter has work to do
	 */
	public final boolean hasRules() {
		return this.guard.hasRules();
	}

	/**
	 * Returns how many requests the named protection refused in shadow mode (and let through).
	 * @param name the protection's name
	 * @return the count, summed over the rules using it
	 */
	public final long shadowRejections(String name) {
		return this.guard.shadowRejections(name);
	}

}
