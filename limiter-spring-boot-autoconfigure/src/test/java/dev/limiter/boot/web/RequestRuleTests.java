package dev.limiter.boot.web;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.util.pattern.PatternParseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RequestRuleTests {

	private final RequestRule rule = new RequestRule(List.of("/api/**", "/users/{id}"), List.of("get", "POST"), null,
			null, null);

	@ParameterizedTest
	@CsvSource({ "GET, /api, true", "GET, /api/orders/1, true", "POST, /users/7, true", "GET, /users/7/x, false",
			"GET, /apix, false", "GET, /other, false", "DELETE, /api/orders, false", "get, /api/orders, false",
			"GET, /%61pi/orders, true", "GET, /api;v=1/orders, true" })
	void matchesMethodAndPath(String method, String uri, boolean matches) {
		assertThat(this.rule.matches(new MockHttpServletRequest(method, uri))).isEqualTo(matches);
	}

	@Test
	void matchesWithinTheContextPath() {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/shop/api/orders");
		request.setContextPath("/shop");
		assertThat(this.rule.matches(request)).isTrue();
		MockHttpServletRequest outside = new MockHttpServletRequest("GET", "/shop/other");
		outside.setContextPath("/shop");
		assertThat(this.rule.matches(outside)).isFalse();
	}

	@Test
	void noMethodsMatchesEveryMethod() {
		RequestRule any = new RequestRule(List.of("/**"), List.of(), null, null, null);
		assertThat(any.matches(new MockHttpServletRequest("PATCH", "/x"))).isTrue();
		assertThat(any.methods()).isEmpty();
	}

	@ParameterizedTest
	@CsvSource({ "/api/**, /api", "/**, ''", "/users/{id}, /users", "/a*, ''", "/exact/path, /exact/path",
			"/files/*.txt, /files", "/x/?y, /x" })
	void literalPrefixStopsAtTheFirstWildcardSegment(String pattern, String prefix) {
		assertThat(RequestRule.literalPrefix(pattern)).isEqualTo(prefix);
	}

	@Test
	void invalidPatternOrNoPathIsRejected() {
		assertThatExceptionOfType(PatternParseException.class)
			.isThrownBy(() -> new RequestRule(List.of("/api/{id"), List.of(), null, null, null));
		assertThatIllegalArgumentException().isThrownBy(() -> new RequestRule(List.of(), List.of(), null, null, null));
	}

}
