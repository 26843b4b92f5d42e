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

	@ParameterizedTest
	@CsvSource(delimiter = '|', nullValues = "null", textBlock = """
			203.0.113.9                     | null                     | 203.0.113.9
			2001:db8:1:2:3:4:5:6            | null                     | 2001:db8:1:2::/64
			2001:DB8:1:2::ff                | null                     | 2001:db8:1:2::/64
			fe80::1%eth0                    | null                     | fe80::/64
			::1                             | null                     | ::/64
			::ffff:192.0.2.7                | null                     | 192.0.2.7
			0:0:0:0:0:ffff:c000:207         | null                     | 192.0.2.7
			not-an-address                  | null                     | not-an-address
			'1:2:3'                         | null                     | '1:2:3'
			10.0.0.1                        | 2001:db8:0:1::9          | 2001:db8:0:1::/64
			10.0.0.1                        | [2001:db8:ab:cd::9]:443  | 2001:db8:ab:cd::/64
			10.0.0.1                        | ::ffff:1.2.3.4           | 1.2.3.4
			10.0.0.1                        | 1.2.3.4                  | 1.2.3.4
			10.0.0.1                        | 1.2.3.4, junk            | 10.0.0.1
			fd00::5                         | 2001:db8:1:2::5, fd00::7 | 2001:db8:1:2::/64
			fd00::5                         | junk                     | fd00::/64
			203.0.113.9                     | 2001:db8::1              | 203.0.113.9
			""")
	void keysGroupIpv6ClientsByTheirSlash64(String remote, String header, String key) {
		assertThat(this.resolver.resolveKey(request(remote, header))).isEqualTo(key);
		assertThat(new ClientAddressResolver(List.of()).resolveKey(request(remote, null)))
			.isEqualTo(this.resolver.resolveKey(request(remote, null)));
	}

	@ParameterizedTest
	@CsvSource({ "0, ::/0", "1, ::/1", "3, 2000::/3", "48, 2001:db8:ffff::/48", "56, 2001:db8:ffff:ff00::/56",
			"63, 2001:db8:ffff:fffe::/63", "120, 2001:db8:ffff:ffff:ffff:ffff:ffff:ff00/120",
			"128, 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" })
	void prefixLengthSetsTheNetwork(int prefixLength, String key) {
		ClientAddressResolver resolver = new ClientAddressResolver(List.of(), prefixLength);
		assertThat(resolver.resolveKey(request("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", null))).isEqualTo(key);
		assertThat(resolver.resolveKey(request("192.0.2.7", null))).isEqualTo("192.0.2.7");
	}

	@ParameterizedTest
	@ValueSource(ints = { -1, 129 })
	void rejectsPrefixLengthsOutside0To128(int prefixLength) {
		assertThatIllegalArgumentException().isThrownBy(() -> new ClientAddressResolver(List.of(), prefixLength))
			.withMessageContaining("0 and 128");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			0 0 0 0 0 0 0 0         | ::
			0 0 0 0 0 0 0 1         | ::1
			2001 db8 0 0 0 0 0 1    | 2001:db8::1
			2001 db8 0 1 0 0 0 1    | 2001:db8:0:1::1
			2001 0 0 1 0 0 0 1      | 2001:0:0:1::1
			2001 db8 0 0 1 0 0 0    | 2001:db8:0:0:1::
			1 0 1 0 1 0 1 0         | 1:0:1:0:1:0:1:0
			abcd 0 0 0 0 0 0 0      | abcd::
			""")
	void formatsIpv6AsRfc5952Says(String hexGroups, String text) {
		String[] parts = hexGroups.split(" ");
		int[] groups = new int[8];
		for (int i = 0; i < 8; i++) {
			groups[i] = Integer.parseInt(parts[i], 16);
		}
		assertThat(ClientAddressResolver.formatIpv6(groups)).isEqualTo(text);
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
