package dev.limiter.boot.dashboard;

import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.registry.LoadShedderRegistry;
import dev.limiter.boot.registry.RateLimiterRegistry;
import dev.limiter.core.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.InvocationContext;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvoker;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameters;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.Mockito.mock;

/**
 * Writes to the {@code limiter} endpoint in the dashboard's event tail: done, refused, or to no instance; with the
 * user; and no longer than the tail keeps.
 */
class DashboardWriteRecorderTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final LimiterDashboard dashboard = new LimiterDashboard(new RateLimiterRegistry(Map.of()),
			new CircuitBreakerRegistry(Map.of(), Set.of()), new LoadShedderRegistry(Map.of(), Set.of()),
			(name) -> false, (name) -> null, null, () -> true, 5, new ManualClock());

	private final DashboardWriteRecorder recorder = new DashboardWriteRecorder(() -> this.dashboard);

	DashboardWriteRecorderTests() {
		this.dashboard.sampleInForeground();
	}

	@AfterEach
	void close() {
		this.dashboard.close();
	}

	@Test
	void readsAndOtherEndpointsAreLeftAlone() {
		OperationInvoker invoker = (context) -> "ok";
		assertThat(this.recorder.apply(EndpointId.of("limiter"), OperationType.READ, null, invoker)).isSameAs(invoker);
		assertThat(this.recorder.apply(EndpointId.of("health"), OperationType.WRITE, null, invoker)).isSameAs(invoker);
	}

	@Test
	void writeIsRecordedWithItsArgumentsAndUser() {
		invoke((context) -> "done", Map.of("name", "api", "limit", 10L), "alice");
		assertThat(events()).containsExactly("write api: limit=10 by alice");
	}

	@Test
	void writeToNoInstanceIsRecordedAsSuch() {
		invoke((context) -> new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND),
				Map.of("name", "x".repeat(500), "action", "force-open"), null);
		assertThat(events()).singleElement()
			.satisfies((event) -> assertThat(event).endsWith("action=force-open (no such instance)")
				.hasSizeLessThan(300));
	}

	@Test
	void refusedWriteIsRecordedAndStillRefused() {
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> invoke((context) -> {
				throw new InvalidEndpointRequestException("no burst", "no burst");
			}, Map.of("name", "api", "burst", 3L), null));
		assertThat(events()).containsExactly("write api: burst=3 refused: no burst");
	}

	private void invoke(OperationInvoker invoker, Map<String, Object> arguments, String user) {
		SecurityContext security = new SecurityContext() {

			@Override
			public Principal getPrincipal() {
				return (user != null) ? () -> user : null;
			}

			@Override
			public boolean isUserInRole(String role) {
				return false;
			}

		};
		InvocationContext context = new InvocationContext(security, new LinkedHashMap<>(arguments));
		this.recorder.apply(EndpointId.of("limiter"), OperationType.WRITE, mock(OperationParameters.class), invoker)
			.invoke(context);
	}

	private List<String> events() {
		JsonNode snapshot = json.readTree(this.dashboard.poll(-1, true)).get("snapshot");
		List<String> events = new ArrayList<>();
		snapshot.get("events")
			.forEach((event) -> events.add(event.get("kind").asString() + " " + event.get("name").asString() + ": "
					+ event.get("text").asString()));
		return events;
	}

}
