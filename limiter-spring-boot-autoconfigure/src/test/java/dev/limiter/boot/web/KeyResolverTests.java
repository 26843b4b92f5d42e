package dev.limiter.boot.web;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.expression.ParseException;
import org.springframework.expression.spel.SpelEvaluationException;
import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class KeyResolverTests {

	private final ClientAddressResolver addresses = new ClientAddressResolver(List.of("10.0.0.0/8"));

	private final MockHttpServletRequest request = new MockHttpServletRequest("GET", "/shop/api/orders");

	KeyResolverTests() {
		this.request.setContextPath("/shop");
		this.request.setRemoteAddr("10.0.0.1");
		this.request.addHeader("X-Forwarded-For", "1.2.3.4");
		this.request.addHeader("X-Api-Key", "k-123");
		this.request.setUserPrincipal(() -> "alice");
	}

	@Test
	void ipIsTheClientAddress() {
		assertThat(KeyResolver.of("ip", this.addresses).resolve(this.request)).isEqualTo("1.2.3.4");
	}

	@Test
	void headerIsTheHeaderValueOrNull() {
		assertThat(KeyResolver.of("header:X-Api-Key", this.addresses).resolve(this.request)).isEqualTo("k-123");
		assertThat(KeyResolver.of("header: x-api-key", this.addresses).resolve(this.request)).isEqualTo("k-123");
		assertThat(KeyResolver.of("header:X-Missing", this.addresses).resolve(this.request)).isNull();
	}

	@Test
	void principalIsTheUserNameOrNull() {
		assertThat(KeyResolver.of("principal", this.addresses).resolve(this.request)).isEqualTo("alice");
		assertThat(KeyResolver.of("principal", this.addresses).resolve(new MockHttpServletRequest())).isNull();
	}

	@Test
	void pathIsWithinTheApplication() {
		assertThat(KeyResolver.of("path", this.addresses).resolve(this.request)).isEqualTo("/api/orders");
	}

	@Test
	void anythingElseIsSpelOverTheRequest() {
		KeyResolver resolver = KeyResolver.of("getHeader('X-Api-Key') + ':' + method", this.addresses);
		assertThat(resolver.resolve(this.request)).isEqualTo("k-123:GET");
		assertThat(KeyResolver.of("getHeader('X-None')", this.addresses).resolve(this.request)).isNull();
	}

	@Test
	void spelCannotReachTypesAndFailuresThrowForTheFilterToCount() {
		KeyResolver resolver = KeyResolver.of("T(java.lang.System).getProperty('user.home')", this.addresses);
		assertThatExceptionOfType(SpelEvaluationException.class).isThrownBy(() -> resolver.resolve(this.request));
		assertThatExceptionOfType(SpelEvaluationException.class)
			.isThrownBy(() -> KeyResolver.of("getHeader('X-None').length()", this.addresses).resolve(this.request));
		this.request.addHeader("X-Tenant", "abc");
		assertThatExceptionOfType(NumberFormatException.class)
			.isThrownBy(() -> KeyResolver.of("getIntHeader('X-Tenant')", this.addresses).resolve(this.request));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/api/orders", "/api/ord%65rs", "/api/orders;x=1", "/api;v=2/%6Frders;jsessionid=1" })
	void pathIsDecodedWithoutParameters(String path) {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/shop" + path);
		request.setContextPath("/shop");
		assertThat(KeyResolver.of("path", this.addresses).resolve(request)).isEqualTo("/api/orders");
	}

	@Test
	void ipGroupsIpv6ClientsByPrefix() {
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setRemoteAddr("10.0.0.1");
		request.addHeader("X-Forwarded-For", "2001:db8:1:2:3:4:5:6");
		assertThat(KeyResolver.of("ip", this.addresses).resolve(request)).isEqualTo("2001:db8:1:2::/64");
	}

	@Test
	void spelThatDoesNotParseFailsAtCreation() {
		assertThatExceptionOfType(ParseException.class)
			.isThrownBy(() -> KeyResolver.of("getHeader('X'", this.addresses));
	}

	@Test
	void headerWithoutNameOrBlankKeyIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> KeyResolver.of("header:", this.addresses))
			.withMessageContaining("header name");
		assertThatIllegalArgumentException().isThrownBy(() -> KeyResolver.of(" ", this.addresses));
	}

}
