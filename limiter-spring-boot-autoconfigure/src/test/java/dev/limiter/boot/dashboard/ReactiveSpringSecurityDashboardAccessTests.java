package dev.limiter.boot.dashboard;

import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.ReactiveAuthorizationManager;
import org.springframework.security.web.server.MatcherSecurityWebFilterChain;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authorization.AuthorizationWebFilter;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which chain's rules decide whether a WebFlux viewer may read or write, as Spring Security's servlet evaluator
 * decides it for {@link SpringSecurityDashboardAccess}: the first matching chain that has authorization rules.
 */
class ReactiveSpringSecurityDashboardAccessTests {

	private static final String READ = "/actuator/limiter";

	private final ServerWebExchange exchange = MockServerWebExchange
		.from(MockServerHttpRequest.get("/actuator/limiter-dashboard"));

	@Test
	void aChainWithoutAuthorizationRulesDoesNotAllowWhenOthersHaveRules() {
		// the endpoint's chain has no rules; the only rules are for other paths: nothing allows the request
		ReactiveSpringSecurityDashboardAccess access = access(
				chain(ServerWebExchangeMatchers.pathMatchers("/actuator/**")),
				chain(ServerWebExchangeMatchers.pathMatchers("/api/**"), permitting(true)));
		assertThat(access.mayRead(this.exchange, READ).block()).isFalse();
		assertThat(access.mayWrite(this.exchange, READ).block()).isFalse();
	}

	@Test
	void aLaterChainWithRulesThatMatchesDecides() {
		SecurityWebFilterChain open = chain(ServerWebExchangeMatchers.pathMatchers("/actuator/**"));
		assertThat(access(open, chain(ServerWebExchangeMatchers.anyExchange(), permitting(false)))
			.mayRead(this.exchange, READ)
			.block()).isFalse();
		assertThat(access(open, chain(ServerWebExchangeMatchers.anyExchange(), permitting(true)))
			.mayRead(this.exchange, READ)
			.block()).isTrue();
	}

	@Test
	void theFirstMatchingChainWithRulesDecidesByMethod() {
		ReactiveAuthorizationManager<ServerWebExchange> readOnly = (authentication, exchange) -> Mono
			.just(new AuthorizationDecision(exchange.getRequest().getMethod() == HttpMethod.GET));
		ReactiveSpringSecurityDashboardAccess access = access(
				chain(ServerWebExchangeMatchers.pathMatchers("/actuator/**"), readOnly),
				chain(ServerWebExchangeMatchers.anyExchange(), permitting(true)));
		assertThat(access.mayRead(this.exchange, READ).block()).isTrue();
		assertThat(access.mayWrite(this.exchange, READ).block()).isFalse();
	}

	@Test
	void withoutAnyAuthorizationRulesEveryoneMay() {
		// as on servlets, where Security's evaluator then permits everything
		assertThat(access().mayRead(this.exchange, READ).block()).isTrue();
		assertThat(access(chain(ServerWebExchangeMatchers.anyExchange())).mayWrite(this.exchange, READ).block())
			.isTrue();
	}

	private static ReactiveSpringSecurityDashboardAccess access(SecurityWebFilterChain... chains) {
		return new ReactiveSpringSecurityDashboardAccess(() -> List.of(chains));
	}

	private static SecurityWebFilterChain chain(ServerWebExchangeMatcher matcher) {
		WebFilter other = (exchange, chain) -> chain.filter(exchange);
		return new MatcherSecurityWebFilterChain(matcher, List.of(other));
	}

	private static SecurityWebFilterChain chain(ServerWebExchangeMatcher matcher,
			ReactiveAuthorizationManager<ServerWebExchange> rules) {
		return new MatcherSecurityWebFilterChain(matcher, List.of(new AuthorizationWebFilter(rules)));
	}

	private static ReactiveAuthorizationManager<ServerWebExchange> permitting(boolean granted) {
		return (authentication, exchange) -> Mono.just(new AuthorizationDecision(granted));
	}

}
