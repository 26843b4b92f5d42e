package dev.limiter.boot.web;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ClientAddressResolverTests {

	private final ClientAddressResolver resolver = new ClientAddressResolver(
			List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

	@Test
	void withoutTrustedProxiesTheHeaderIsIgnored() {
		ClientAddressResolver untrusting = new ClientAddressResolver(List.of());
		assertThat(untrusting.resolve(request("10.0.0.1", "1.2.3.4"))).isEqualTo("10.0.0.1");
	}

	@Test
	void headerFromAnUntrustedRemoteIsIgnored() {
		assertThat(this.resolver.resolve(request("203.0.113.9", "1.2.3.4"))).isEqualTo("203.0.113.9");
	}

	@Test
	void withoutHeaderTheRemoteAddressIsTheClient() {
		assertThat(this.resolver.resolve(request("10.1.2.3", null))).isEqualTo("10.1.2.3");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			10.0.0.1 | 1.2.3.4                            | 1.2.3.4
			10.0.0.1 | 9.9.9.9, 1.2.3.4                   | 1.2.3.4
			10.0.0.1 | 9.9.9.9, 1.2.3.4, 10.2.2.2         | 1.2.3.4
			10.0.0.1 | 1.2.3.4, 192.168.1.7, 10.2.2.2     | 1.2.3.4
			10.0.0.1 | 10.9.9.9, 10.2.2.2                 | 10.9.9.9
			10.0.0.1 | 1.2.3.4:8080                       | 1.2.3.4
			10.0.0.1 | ' 1.2.3.4 '                        | 1.2.3.4
			10.0.0.1 | 2001:db8::1                        | 2001:db8:0:0:0:0:0:1
			10.0.0.1 | [2001:db8::1]:443                  | 2001:db8:0:0:0:0:0:1
			fd00::5  | 1.2.3.4, fd12::1                   | 1.2.3.4
			fd00::5  | 2001:DB8:0:0::1                    | 2001:db8:0:0:0:0:0:1
			10.0.0.1 | ::ffff:1.2.3.4                     | 1.2.3.4
			""")
	void walksRightToLeftOverTrustedHops(String remote, String header, String client) {
		assertThat(this.resolver.resolve(request(remote, header))).isEqualTo(client);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			10.0.0.1 | 1.2.3.4, garbage            | 10.0.0.1
			10.0.0.1 | 1.2.3.4, 10.2.2.2, nonsense | 10.0.0.1
			10.0.0.1 | 1.2.3.4, bad, 10.2.2.2      | 10.2.2.2
			10.0.0.1 | localhost                   | 10.0.0.1
			10.0.0.1 | example.com                 | 10.0.0.1
			10.0.0.1 | 1.2.3.256                   | 10.0.0.1
			10.0.0.1 | 1.2.3                       | 10.0.0.1
			10.0.0.1 | 1..2.3                      | 10.0.0.1
			10.0.0.1 | ''                          | 10.0.0.1
			10.0.0.1 | ','                         | 10.0.0.1
			10.0.0.1 | '.:1'                       | 10.0.0.1
			10.0.0.1 | 1:2:3:4:5:6:7:8:9           | 10.0.0.1
			10.0.0.1 | [::1                        | 10.0.0.1
			""")
	void malformedEntriesStopTheWalkWithoutThrowing(String remote, String header, String client) {
		assertThat(this.resolver.resolve(request(remote, header))).isEqualTo(client);
	}

	@Test
	void severalHeaderFieldsFormOneList() {
		MockHttpServletRequest request = request("10.0.0.1", "1.2.3.4");
		request.addHeader(ClientAddressResolver.X_FORWARDED_FOR, "5.6.7.8, 10.3.3.3");
		assertThat(this.resolver.resolve(request)).isEqualTo("5.6.7.8");
	}

	@ParameterizedTest
	@CsvSource({ "10.255.255.255, true", "11.0.0.0, false", "192.168.1.7, true", "192.168.1.8, false",
			"fdff::1, true", "fe00::1, false", "not-an-address, false" })
	void matchesCidrRanges(String address, boolean trusted) {
		assertThat(this.resolver.isTrustedProxy(address)).isEqualTo(trusted);
	}

	@Test
	void oddPrefixLengthsMaskPartialBytes() {
		ClientAddressResolver resolver = new ClientAddressResolver(List.of("172.16.0.0/12", "0.0.0.0/0"));
		assertThat(resolver.isTrustedProxy("172.31.255.255")).isTrue();
		assertThat(resolver.isTrustedProxy("8.8.8.8")).isTrue();
		assertThat(resolver.isTrustedProxy("::1")).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "10.0.0.0/33", "fd00::/129", "10.0.0.0/x", "10.0.0/8", "proxy.local", "" })
	void rejectsInvalidRanges(String range) {
		assertThatIllegalArgumentException().isThrownBy(() -> new ClientAddressResolver(List.of(range)))
			.withMessageContaining(range);
	}

	private static MockHttpServletRequest request(String remote, String forwardedFor) {
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setRemoteAddr(remote);
		if (forwardedFor != null) {
			request.addHeader(ClientAddressResolver.X_FORWARDED_FOR, forwardedFor);
		}
		return request;
	}

}
