package dev.limiter.boot.autoconfigure.dashboard;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Security rules built with {@link EndpointRequest} do not match the page's path, which is not an endpoint's; the
 * page still answers only those who may read the {@code limiter} endpoint.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		classes = LimiterDashboardEndpointRequestTests.EndpointRequestApplication.class,
		properties = { "limiter.rate-limiters.api.limit=100",
				"management.endpoints.web.exposure.include=limiter,health" })
class LimiterDashboardEndpointRequestTests {

	private final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Test
	void pageAndDataAreRefusedToThoseWhoMayNotReadTheEndpoint() throws Exception {
		assertThat(status("/actuator/limiter", null)).as("the endpoint itself").isEqualTo(401);
		for (String path : new String[] { "/actuator/limiter-dashboard", "/actuator/limiter-dashboard/data",
				"/actuator/limiter-dashboard/stream", "/actuator/limiter-dashboard/dashboard.js" }) {
			assertThat(status(path, null)).as(path).isEqualTo(403);
		}
		assertThat(status("/actuator/limiter-dashboard", "reader")).isEqualTo(200);
		assertThat(status("/actuator/limiter-dashboard/data", "reader")).isEqualTo(200);
	}

	private int status(String path, String user) throws Exception {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10));
		if (user != null) {
			request.header("Authorization", "Basic "
					+ Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8)));
		}
		return this.client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class EndpointRequestApplication {

		@Bean
		SecurityFilterChain security(HttpSecurity http) throws Exception {
			http.authorizeHttpRequests((requests) -> requests.requestMatchers(EndpointRequest.toAnyEndpoint())
				.authenticated()
				.anyRequest()
				.permitAll()).httpBasic(Customizer.withDefaults());
			return http.build();
		}

		@Bean
		InMemoryUserDetailsManager users() {
			return new InMemoryUserDetailsManager(
					User.withUsername("reader").password("{noop}secret").roles("READER").build());
		}

	}

}
