package dev.limiter.boot.autoconfigure.dashboard;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.boot.testing.BlockHoundInstalled;
import dev.limiter.core.breaker.BreakerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WebFlux application on Netty with actuator and Spring Security: the {@code limiter} endpoint reads and writes,
 * health and metrics answer as on servlets, and the dashboard is served with its page, JSON and event stream, to
 * those the security rules let read the endpoint (even where the rules leave the dashboard's own path open), with
 * controls and the CSRF token for those they let write.
 */
@ExtendWith(BlockHoundInstalled.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		classes = ReactiveActuatorDashboardTests.ReactiveApplication.class,
		properties = { "spring.main.web-application-type=reactive", "limiter.rate-limiters.api.limit=100",
				"limiter.rate-limiters.api.period=1m", "limiter.circuit-breakers.backend.type=threshold",
				"limiter.web.rules[0].paths=/api/**", "limiter.web.rules[0].rate-limiter=api",
				"management.endpoints.web.exposure.include=limiter,health,metrics" })
class ReactiveActuatorDashboardTests {

	private static final Pattern META = Pattern
		.compile("<meta name=\"limiter-csrf-(header|token)\" content=\"([^\"]*)\">");

	@LocalServerPort
	int port;

	@Autowired
	CircuitBreakerRegistry breakers;

	@Test
	void endpointHealthAndMetricsAnswerAsOnServlets() {
		WebTestClient client = client();
		client.get().uri("/api/hello").exchange().expectStatus().isOk();
		client.get().uri("/actuator/health").exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.status").isEqualTo("UP");
		client.get().uri("/actuator/limiter").headers((headers) -> headers.setBasicAuth("viewer", "secret"))
			.exchange().expectStatus().isOk()
			.expectBody()
			.jsonPath("$.rateLimiters.api.limit").isEqualTo(100)
			.jsonPath("$.circuitBreakers.backend.state").isEqualTo("closed");
		client.get().uri("/actuator/metrics/limiter.calls?tag=name:api")
			.headers((headers) -> headers.setBasicAuth("viewer", "secret"))
			.exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.measurements[0].value").isEqualTo(1.0);
		client.get().uri("/actuator/limiter").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void theDashboardIsShownOnlyToThoseWhoMayReadTheEndpoint() {
		WebTestClient client = client();
		for (String path : List.of("/actuator/limiter-dashboard", "/actuator/limiter-dashboard/data",
				"/actuator/limiter-dashboard/stream", "/actuator/limiter-dashboard/dashboard.js")) {
			client.get().uri(path).exchange().expectStatus().isForbidden()
				.expectBody(String.class).isEqualTo("The limiter dashboard shows what GET /actuator/limiter shows,"
						+ " which this user may not read.\n");
		}
		client.get().uri("/actuator/limiter-dashboard").headers((headers) -> headers.setBasicAuth("viewer", "secret"))
			.exchange().expectStatus().isOk()
			.expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
			.expectHeader().value("Content-Security-Policy", (csp) -> assertThat(csp).startsWith("default-src 'self'"))
			.expectBody(String.class)
			.value((page) -> assertThat(page).contains("src=\"/actuator/limiter-dashboard/dashboard.js\"")
				.doesNotContain("<script>"));
		for (String asset : List.of("uPlot.min.js", "uPlot.min.css", "dashboard.js", "dashboard.css")) {
			client.get().uri("/actuator/limiter-dashboard/" + asset)
				.headers((headers) -> headers.setBasicAuth("viewer", "secret"))
				.exchange().expectStatus().isOk()
				.expectHeader().exists("Content-Security-Policy");
		}
		client.get().uri("/actuator/limiter-dashboard/other.js")
			.headers((headers) -> headers.setBasicAuth("viewer", "secret"))
			.exchange().expectStatus().isNotFound();
		client.get().uri("/actuator/limiter-dashboard/data").headers((headers) -> headers.setBasicAuth("viewer",
				"secret"))
			.exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.snapshot.controls").isEqualTo(false);
	}

	@Test
	void theStreamSendsASnapshotThenTicks() {
		Flux<ServerSentEvent<String>> events = client().get().uri("/actuator/limiter-dashboard/stream")
			.headers((headers) -> headers.setBasicAuth("viewer", "secret"))
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus().isOk()
			.expectHeader().exists("Content-Security-Policy")
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.getResponseBody()
			.filter((event) -> event.event() != null);
		StepVerifier.create(events.take(2))
			.assertNext((snapshot) -> {
				assertThat(snapshot.event()).isEqualTo("snapshot");
				assertThat(snapshot.retry()).isEqualTo(Duration.ofSeconds(3));
				assertThat(snapshot.data()).contains("\"protectors\"");
			})
			.assertNext((tick) -> {
				assertThat(tick.event()).isEqualTo("tick");
				assertThat(tick.id()).isNotNull();
			})
			.expectComplete()
			.verify(Duration.ofSeconds(20));
	}

	@Test
	void operatorSeesControlsAndWritesWithThePagesCsrfToken() {
		WebTestClient client = client();
		EntityExchangeResult<String> page = client.get().uri("/actuator/limiter-dashboard")
			.headers((headers) -> headers.setBasicAuth("operator", "secret"))
			.exchange().expectStatus().isOk()
			.expectBody(String.class).returnResult();
		Matcher meta = META.matcher(page.getResponseBody());
		assertThat(meta.find()).as("the CSRF header").isTrue();
		String header = meta.group(2);
		assertThat(meta.find()).as("the CSRF token").isTrue();
		String token = meta.group(2);
		ResponseCookie session = page.getResponseCookies().getFirst("SESSION");
		assertThat(session).as("the session holding the token").isNotNull();
		client.get().uri("/actuator/limiter-dashboard/data").headers((headers) -> headers.setBasicAuth("operator",
				"secret"))
			.exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.snapshot.controls").isEqualTo(true);
		client.post().uri("/actuator/limiter/backend").headers((headers) -> headers.setBasicAuth("operator",
				"secret"))
			.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"action\":\"force-open\"}")
			.exchange().expectStatus().isForbidden();
		try {
			client.post().uri("/actuator/limiter/backend").headers((headers) -> {
				headers.setBasicAuth("operator", "secret");
				headers.set(header, token);
			})
				.cookie("SESSION", session.getValue())
				.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"action\":\"force-open\"}")
				.exchange().expectStatus().isOk();
			assertThat(this.breakers.find("backend").state()).isEqualTo(BreakerState.FORCED_OPEN);
		}
		finally {
			client.post().uri("/actuator/limiter/backend").headers((headers) -> {
				headers.setBasicAuth("operator", "secret");
				headers.set(header, token);
			})
				.cookie("SESSION", session.getValue())
				.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"action\":\"reset\"}")
				.exchange().expectStatus().isOk();
		}
	}

	private WebTestClient client() {
		return WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class ReactiveApplication {

		/** The README's rules, except that the dashboard's own path is left open: its access rule still holds. */
		@Bean
		SecurityWebFilterChain management(ServerHttpSecurity http) {
			return http
				.authorizeExchange((exchanges) -> exchanges.pathMatchers(HttpMethod.POST, "/actuator/limiter/**")
					.hasRole("LIMITER_ADMIN")
					.pathMatchers("/actuator/health", "/actuator/limiter-dashboard/**")
					.permitAll()
					.pathMatchers("/actuator/**")
					.hasAnyRole("LIMITER_READ", "LIMITER_ADMIN")
					.anyExchange()
					.permitAll())
				.httpBasic(Customizer.withDefaults())
				.build();
		}

		@Bean
		MapReactiveUserDetailsService users() {
			return new MapReactiveUserDetailsService(
					User.withUsername("viewer").password("{noop}secret").roles("LIMITER_READ").build(),
					User.withUsername("operator").password("{noop}secret").roles("LIMITER_ADMIN").build());
		}

		@Bean
		RouterFunction<ServerResponse> api() {
			return RouterFunctions.route().GET("/api/hello", (request) -> ServerResponse.ok().bodyValue("hello"))
				.build();
		}

	}

}
