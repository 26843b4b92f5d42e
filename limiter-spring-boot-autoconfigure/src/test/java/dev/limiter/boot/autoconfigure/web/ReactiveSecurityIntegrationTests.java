package dev.limiter.boot.autoconfigure.web;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.testing.BlockHoundInstalled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * A WebFlux application behind Spring Security's {@code WebFilterChainProxy} (-100): an {@code ip} rule runs before
 * it, so requests Security refuses count too; a {@code principal} rule runs after it and sees the user.
 */
@ExtendWith(BlockHoundInstalled.class)
class ReactiveSecurityIntegrationTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class,
				LimiterReactiveWebAutoConfiguration.class, WebFluxAutoConfiguration.class,
				HttpHandlerAutoConfiguration.class, ReactiveWebSecurityAutoConfiguration.class,
				ReactiveUserDetailsServiceAutoConfiguration.class))
		.withUserConfiguration(Application.class)
		.withPropertyValues("spring.security.user.name=alice", "spring.security.user.password=secret",
				"limiter.rate-limiters.per-ip.limit=3", "limiter.rate-limiters.per-ip.period=1h",
				"limiter.rate-limiters.per-user.limit=1", "limiter.rate-limiters.per-user.period=1h",
				"limiter.web.rules[0].paths=/api/**", "limiter.web.rules[0].rate-limiter=per-ip",
				"limiter.web.rules[0].key=ip", "limiter.web.rules[1].paths=/api/**",
				"limiter.web.rules[1].rate-limiter=per-user", "limiter.web.rules[1].key=principal");

	@Test
	void ipRulesRunBeforeSecurityAndPrincipalRulesAfterIt() {
		this.runner.run((context) -> {
			WebTestClient client = WebTestClient.bindToApplicationContext(context).build();
			client.get().uri("/api/hello").headers((headers) -> headers.setBasicAuth("alice", "secret")).exchange()
				.expectStatus().isOk()
				.expectHeader().valueEquals("RateLimit", "\"per-ip\";r=2;t=1200", "\"per-user\";r=0;t=3600")
				.expectBody(String.class).isEqualTo("hello alice");
			client.get().uri("/api/hello").headers((headers) -> headers.setBasicAuth("alice", "secret")).exchange()
				.expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
				.expectBody().jsonPath("$.violated-policies[0]").isEqualTo("per-user");
			client.get().uri("/api/hello").exchange().expectStatus().isUnauthorized();
			client.get().uri("/api/hello").exchange()
				.expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
				.expectBody().jsonPath("$.violated-policies[0]").isEqualTo("per-ip");
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class Application {

		@Bean
		SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http) {
			return http.authorizeExchange((exchanges) -> exchanges.anyExchange().authenticated())
				.httpBasic(Customizer.withDefaults())
				.build();
		}

		@Bean
		RouterFunction<ServerResponse> routes() {
			return RouterFunctions.route()
				.GET("/api/hello", (request) -> request.principal()
					.flatMap((principal) -> ServerResponse.ok().bodyValue("hello " + principal.getName()))
					.switchIfEmpty(Mono.defer(() -> ServerResponse.ok().bodyValue("hello"))))
				.build();
		}

	}

}
