package dev.limiter.boot.autoconfigure.dashboard;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.limiter.boot.registry.CircuitBreakerRegistry;
import dev.limiter.core.breaker.BreakerState;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard behind Spring Security, configured as the README advises: a read-only user sees the page without
 * controls and the endpoint refuses the user's writes, even with a valid CSRF token; an operator sees the controls
 * and writes with the CSRF token the page carries. Without Security,
 * {@code management.endpoint.limiter.access=read-only} has the same effect for everyone.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		classes = LimiterDashboardSecurityTests.SecuredApplication.class,
		properties = { "limiter.rate-limiters.api.limit=100", "limiter.circuit-breakers.backend.type=threshold",
				"management.endpoints.web.exposure.include=limiter,health" })
class LimiterDashboardSecurityTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final Pattern META = Pattern
		.compile("<meta name=\"limiter-csrf-(header|token)\" content=\"([^\"]*)\">");

	@LocalServerPort
	int port;

	@Autowired
	CircuitBreakerRegistry breakers;

	@Test
	void anonymousUsersGetNeitherThePageNorItsData() throws Exception {
		HttpClient client = client();
		for (String path : new String[] { "/actuator/limiter-dashboard", "/actuator/limiter-dashboard/data",
				"/actuator/limiter-dashboard/stream", "/actuator/limiter-dashboard/dashboard.js" }) {
			assertThat(send(client, get(path)).statusCode()).as(path).isEqualTo(401);
		}
	}

	@Test
	void readOnlyUserSeesNoControls() throws Exception {
		HttpClient client = client();
		HttpResponse<String> page = send(client, get("/actuator/limiter-dashboard")
				.header("Authorization", basic("viewer")));
		assertThat(page.statusCode()).isEqualTo(200);
		JsonNode data = json.readTree(send(client,
				get("/actuator/limiter-dashboard/data").header("Authorization", basic("viewer"))).body());
		assertThat(data.get("snapshot").get("controls").asBoolean()).isFalse();
	}

	@Test
	void readOnlyUsersWritesAreRefused() throws Exception {
		HttpClient client = client();
		String[] csrf = csrf(send(client, get("/actuator/limiter-dashboard").header("Authorization", basic("viewer"))));
		HttpResponse<String> write = send(client,
				post("/actuator/limiter/backend", "{\"action\":\"force-open\"}")
					.header("Authorization", basic("viewer"))
					.header(csrf[0], csrf[1]));
		assertThat(write.statusCode()).as("authorization, not CSRF, refuses it").isEqualTo(403);
		assertThat(this.breakers.find("backend").state()).isEqualTo(BreakerState.CLOSED);
	}

	@Test
	void operatorSeesControlsAndWritesWithThePagesCsrfToken() throws Exception {
		HttpClient client = client();
		HttpResponse<String> page = send(client,
				get("/actuator/limiter-dashboard").header("Authorization", basic("operator")));
		String[] csrf = csrf(page);
		String header = csrf[0];
		String token = csrf[1];
		JsonNode data = json.readTree(send(client,
				get("/actuator/limiter-dashboard/data").header("Authorization", basic("operator"))).body());
		assertThat(data.get("snapshot").get("controls").asBoolean()).isTrue();
		HttpResponse<String> withoutToken = send(client,
				post("/actuator/limiter/backend", "{\"action\":\"force-open\"}").header("Authorization",
						basic("operator")));
		assertThat(withoutToken.statusCode()).as("CSRF protection").isEqualTo(403);
		HttpResponse<String> write = send(client, post("/actuator/limiter/backend", "{\"action\":\"force-open\"}")
			.header("Authorization", basic("operator"))
			.header(header, token));
		assertThat(write.statusCode()).isEqualTo(200);
		try {
			assertThat(this.breakers.find("backend").state()).isEqualTo(BreakerState.FORCED_OPEN);
			JsonNode events = json.readTree(send(client,
					get("/actuator/limiter-dashboard/data").header("Authorization", basic("operator"))).body())
				.get("snapshot")
				.get("events");
			assertThat(events).extracting((event) -> event.get("kind").asString() + " " + event.get("name").asString()
					+ ": " + event.get("text").asString())
				.contains("write backend: action=force-open by operator", "state backend: closed \u2192 forced-open");
		}
		finally {
			send(client, post("/actuator/limiter/backend", "{\"action\":\"reset\"}")
				.header("Authorization", basic("operator"))
				.header(header, token));
		}
	}

	@Test
	void readOnlyEndpointShowsNoControlsAndRefusesWritesWithoutSecurity() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(DashboardTestApplication.class)
			.properties("server.port=0", "limiter.circuit-breakers.backend.type=threshold",
					"management.endpoints.web.exposure.include=limiter", "management.endpoint.limiter.access=read-only")
			.run()) {
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			HttpClient client = client();
			URI data = URI.create("http://localhost:" + port + "/actuator/limiter-dashboard/data");
			JsonNode snapshot = json
				.readTree(send(client, HttpRequest.newBuilder(data)).body())
				.get("snapshot");
			assertThat(snapshot.get("controls").asBoolean()).isFalse();
			HttpResponse<String> write = send(client,
					HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/limiter/backend"))
						.header("Content-Type", "application/json")
						.POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"force-open\"}")));
			assertThat(write.statusCode()).isIn(404, 405);
			assertThat(context.getBean(CircuitBreakerRegistry.class).find("backend").state())
				.isEqualTo(BreakerState.CLOSED);
		}
	}

	/** The CSRF header and token the page was served with. */
	private static String[] csrf(HttpResponse<String> page) {
		Matcher meta = META.matcher(page.body());
		assertThat(meta.find()).isTrue();
		String header = meta.group(2);
		assertThat(meta.find()).isTrue();
		return new String[] { header, meta.group(2) };
	}

	private static HttpClient client() {
		return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
	}

	private HttpRequest.Builder get(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path));
	}

	private HttpRequest.Builder post(String path, String body) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body));
	}

	private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request)
			throws IOException, InterruptedException {
		return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String basic(String user) {
		return "Basic " + Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class SecuredApplication {

		/** README's rules: read the endpoint and the page with one role, write with another. */
		@Bean
		SecurityFilterChain management(HttpSecurity http) throws Exception {
			http.securityMatcher("/actuator/**")
				.authorizeHttpRequests((requests) -> requests
					.requestMatchers(HttpMethod.POST, "/actuator/limiter/**")
					.hasRole("LIMITER_ADMIN")
					.requestMatchers("/actuator/health")
					.permitAll()
					.anyRequest()
					.hasAnyRole("LIMITER_READ", "LIMITER_ADMIN"))
				.httpBasic(Customizer.withDefaults());
			return http.build();
		}

		@Bean
		InMemoryUserDetailsManager users() {
			return new InMemoryUserDetailsManager(
					User.withUsername("viewer").password("{noop}secret").roles("LIMITER_READ").build(),
					User.withUsername("operator").password("{noop}secret").roles("LIMITER_ADMIN").build());
		}

	}

}
