package dev.limiter.boot.dashboard;

import java.security.Principal;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvocationContext;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvoker;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvokerAdvisor;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameters;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * Puts every write to the {@code limiter} endpoint (a changed limit, a forced breaker) in the dashboard's event tail,
 * with who made it when the request was authenticated; a refused write is recorded as refused.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class DashboardWriteRecorder implements OperationInvokerAdvisor {

	private static final EndpointId LIMITER = EndpointId.of("limiter");

	private static final int MAX_TEXT = 200;

	private final Supplier<@Nullable LimiterDashboard> dashboard;

	/**
	 * Creates the recorder.
	 * @param dashboard supplies the dashboard, or {@code null} when there is none
	 */
	public DashboardWriteRecorder(Supplier<@Nullable LimiterDashboard> dashboard) {
		this.dashboard = Objects.requireNonNull(dashboard, "dashboard must not be null");
	}

	@Override
	public OperationInvoker apply(EndpointId endpointId, OperationType operationType, OperationParameters parameters,
			OperationInvoker invoker) {
		if (!LIMITER.equals(endpointId) || operationType != OperationType.WRITE) {
			return invoker;
		}
		return (context) -> {
			try {
				Object result = invoker.invoke(context);
				boolean found = result != null && !(result instanceof WebEndpointResponse<?> response
						&& response.getStatus() == WebEndpointResponse.STATUS_NOT_FOUND);
				record(context, found ? "" : " (no such instance)");
				return result;
			}
			catch (RuntimeException ex) {
				record(context, " refused: " + ex.getMessage());
				throw ex;
			}
		};
	}

	/** Names and values come from the request: the tail keeps at most {@value #MAX_TEXT} characters of each. */
	private static String cut(String text) {
		return (text.length() > MAX_TEXT) ? text.substring(0, MAX_TEXT) + "\u2026" : text;
	}

	private void record(InvocationContext context, String outcome) {
		LimiterDashboard dashboard = this.dashboard.get();
		if (dashboard == null) {
			return;
		}
		Map<String, Object> arguments = context.getArguments();
		Object name = arguments.get("name");
		StringJoiner change = new StringJoiner(", ");
		arguments.forEach((argument, value) -> {
			if (value != null && !"name".equals(argument)) {
				change.add(argument + "=" + value);
			}
		});
		String who = "";
		if (context.canResolve(SecurityContext.class)) {
			Principal principal = context.resolveArgument(SecurityContext.class).getPrincipal();
			who = (principal != null) ? " by " + principal.getName() : "";
		}
		dashboard.event("write", cut(String.valueOf(name)), cut(change + who + outcome));
	}

}
