package dev.limiter.boot.web.reactive;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import dev.limiter.boot.metrics.LimiterCallListener;
import dev.limiter.boot.testing.BlockHoundInstalled;
import dev.limiter.boot.testing.CountingStore;
import dev.limiter.boot.web.ClientAddressResolver;
import dev.limiter.boot.web.KeyResolver;
import dev.limiter.boot.web.RateLimitHeaders;
import dev.limiter.boot.web.RequestRule;
import dev.limiter.core.ratelimit.RateLimiter;
import dev.limiter.core.ratelimit.TokenBucketSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/** The keys of {@code limiter.web.rules[].key} over a WebFlux exchange mean what they mean over a servlet request. */
@ExtendWith(BlockHoundInstalled.class)
class ReactiveKeysTests {

	private final CountingStore store = new CountingStore();

	private final RateLimiter api = new RateLimiter("api", TokenBucketSpec.of(100, Duration.ofSeconds(1)),
			this.store);

	@Test
	void ipKeyHonoursForwardedForOnlyFromTrustedProxies() {
		WebTestClient client = client("ip", new ClientAddressResolver(List.of("10.0.0.0/8")));
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "10.1.2.3")
			.header("X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.0.0.7").exchange().expectStatus().isOk();
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "192.0.2.1")
			.header("X-Forwarded-For", "203.0.113.9").exchange().expectStatus().isOk();
		assertThat(this.store.used("api:203.0.113.9")).isEqualTo(1);
		assertThat(this.store.used("api:192.0.2.1")).isEqualTo(1);
	}

	@Test
	void junkForwardedForNeverThrowsNorLetsTheClientChooseItsKey() {
		WebTestClient client = client("ip", new ClientAddressResolver(List.of("10.0.0.0/8")));
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "10.1.2.3")
			.header("X-Forwarded-For", "evil.example, <script>, 10.0.0.9").exchange().expectStatus().isOk();
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "10.1.2.3")
			.header("X-Forwarded-For", ",,,").exchange().expectStatus().isOk();
		assertThat(this.store.used("api:10.0.0.9")).isEqualTo(1);
		assertThat(this.store.used("api:10.1.2.3")).isEqualTo(1);
		assertThat(this.store.used("api:evil.example")).isZero();
	}

	@Test
	void ipv6ClientsAreGroupedByTheirPrefix() {
		WebTestClient client = client("ip", new ClientAddressResolver(List.of()));
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "2001:db8:1:2::1").exchange();
		client.get().uri("/api/ok").header(ReactiveTestApp.REMOTE, "2001:db8:1:2:ffff::9").exchange();
		assertThat(this.store.used("api:2001:db8:1:2::/64")).isEqualTo(2);
	}

	@Test
	void headerKey() {
		WebTestClient client = client("header:X-Api-Key", new ClientAddressResolver(List.of()));
		client.get().uri("/api/ok").header("x-api-key", "k1").exchange().expectStatus().isOk();
		assertThat(this.store.used("api:k1")).isEqualTo(1);
	}

	@Test
	void principalKeyWaitsForTheExchangesPrincipal() {
		WebTestClient client = client("principal", new ClientAddressResolver(List.of()));
		client.get().uri("/api/ok").header(ReactiveTestApp.USER, "alice").exchange().expectStatus().isOk();
		client.get().uri("/api/ok").exchange().expectStatus().isOk();
		assertThat(this.store.used("api:alice")).isEqualTo(1);
		assertThat(this.store.used("api:" + KeyResolver.ABSENT)).isEqualTo(1);
	}

	@Test
	void pathKeyIsTheDecodedNormalisedPath() {
		WebTestClient client = client("path", new ClientAddressResolver(List.of()));
		client.get().uri("/api/orders").exchange().expectStatus().isOk();
		client.get().uri(URI.create("/api/ord%65rs")).exchange().expectStatus().isOk();
		client.get().uri(URI.create("/api/orders;x=1")).exchange().expectStatus().isOk();
		assertThat(this.store.used("api:/api/orders")).isEqualTo(3);
	}

	@Test
	void rulePatternsMatchTheDecodedPathToo() {
		WebTestClient client = client("ip", new ClientAddressResolver(List.of()));
		client.get().uri(URI.create("/%61pi/ok")).exchange().expectStatus().isOk().expectHeader().exists("RateLimit");
		client.get().uri(URI.create("/api;v=1/ok")).exchange().expectStatus().isOk().expectHeader().exists("RateLimit");
		assertThat(this.store.used("api:127.0.0.1")).isEqualTo(2);
	}

	@Test
	void expressionsSeeTheServletLikeAccessors() {
		WebTestClient client = client("getHeader('X-Tenant') + ':' + remoteAddr + ':' + method",
				new ClientAddressResolver(List.of()));
		client.get().uri("/api/ok").header("X-Tenant", "acme").exchange().expectStatus().isOk();
		assertThat(this.store.used("api:acme:127.0.0.1:GET")).isEqualTo(1);
	}

	@Test
	void expressionsNamingThePrincipalWaitForIt() {
		WebTestClient client = client("userPrincipal?.name ?: 'anonymous'", new ClientAddressResolver(List.of()));
		client.get().uri("/api/ok").header(ReactiveTestApp.USER, "bob").exchange().expectStatus().isOk();
		client.get().uri("/api/ok").exchange().expectStatus().isOk();
		assertThat(this.store.used("api:bob")).isEqualTo(1);
		assertThat(this.store.used("api:anonymous")).isEqualTo(1);
	}

	private WebTestClient client(String key, ClientAddressResolver addresses) {
		RequestRule rule = new RequestRule(List.of("/api/**"), List.of(),
				new RequestRule.RateLimit(this.api, KeyResolver.of(key, addresses), false), null, null);
		return ReactiveTestApp.client(new ReactiveRateLimitFilter(List.of(rule), addresses,
				new RateLimitHeaders(RateLimitHeaders.Format.IETF), new ReactiveProblemDetailsResponseWriter(),
				LimiterCallListener.NONE, ReactiveRateLimitFilter.DEFAULT_ORDER));
	}

}
