package dev.limiter.boot.autoconfigure.web;

import java.io.IOException;
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
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Security in front of the application: a rule keyed by {@code ip} on the login processing URL throttles the
 * form-login POSTs Security answers itself, while a rule keyed by {@code principal} still sees the authenticated
 * user.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		classes = LoginBruteForceIntegrationTests.SecuredApplication.class,
		properties = { "limiter.rate-limiters.login.algorithm=fixed-window", "limiter.rate-limiters.login.limit=3",
				"limiter.rate-limiters.login.period=1m", "limiter.rate-limiters.per-user.algorithm=fixed-window",
				"limiter.rate-limiters.per-user.limit=2", "limiter.rate-limiters.per-user.period=1m",
				"limiter.web.rules[0].paths=/login", "limiter.web.rules[0].methods=POST",
				"limiter.web.rules[0].rate-limiter=login", "limiter.web.rules[0].key=ip",
				"limiter.web.rules[1].paths=/me", "limiter.web.rules[1].rate-limiter=per-user",
				"limiter.web.rules[1].key=principal" })
class LoginBruteForceIntegrationTests {

	private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

	@LocalServerPort
	int port;

	@Test
	void formLoginPostsAreThrottledByClientAddress() throws Exception {
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> attempt = login("alice", "guess" + i);
			assertThat(attempt.statusCode()).as("Security answers a failed login").isEqualTo(302);
			assertThat(attempt.headers().firstValue("Location")).hasValueSatisfying(
					(location) -> assertThat(location).endsWith("/login?error"));
		}
		HttpResponse<String> throttled = login("alice", "guess3");
		assertThat(throttled.statusCode()).isEqualTo(429);
		assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
		assertThat(login("alice", "secret").statusCode()).as("even the right password waits").isEqualTo(429);
	}

	@Test
	void principalKeyedRulesStillSeeTheAuthenticatedUser() throws Exception {
		assertThat(me("bob").statusCode()).isEqualTo(200);
		assertThat(me("bob").body()).isEqualTo("bob");
		assertThat(me("bob").statusCode()).isEqualTo(429);
		assertThat(me("carol").statusCode()).as("each user has a budget").isEqualTo(200);
	}

	private HttpResponse<String> login(String username, String password) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/login"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("username=" + username + "&password=" + password))
			.timeout(Duration.ofSeconds(10))
			.build();
		return this.client.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> me(String user) throws IOException, InterruptedException {
		String credentials = Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8));
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/me"))
			.header("Authorization", "Basic " + credentials)
			.timeout(Duration.ofSeconds(10))
			.build();
		return this.client.send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class SecuredApplication {

		@Bean
		SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
			http.authorizeHttpRequests((requests) -> requests.anyRequest().authenticated())
				.formLogin(Customizer.withDefaults())
				.httpBasic(Customizer.withDefaults())
				.csrf((csrf) -> csrf.disable());
			return http.build();
		}

		@Bean
		InMemoryUserDetailsManager users() {
			return new InMemoryUserDetailsManager(
					User.withUsername("alice").password("{noop}secret").roles("USER").build(),
					User.withUsername("bob").password("{noop}secret").roles("USER").build(),
					User.withUsername("carol").password("{noop}secret").roles("USER").build());
		}

		@Bean
		MeController meController() {
			return new MeController();
		}

	}

	@RestController
	static class MeController {

		@GetMapping("/me")
		String me(Authentication authentication) {
			return authentication.getName();
		}

	}

}
