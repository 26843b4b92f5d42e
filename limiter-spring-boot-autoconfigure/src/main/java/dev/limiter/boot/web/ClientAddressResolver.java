package dev.limiter.boot.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Finds the address of the client that sent a request, honouring {@code X-Forwarded-For} only from trusted proxies.
 *
 * <p>Without trusted proxies the answer is the connection's remote address and the header is ignored (a client can
 * write anything in it). With trusted proxies, and only when the remote address is one of them, the header's
 * entries are walked from right to left (the right-most entry was written by the nearest proxy): every entry that
 * is itself a trusted proxy is skipped, and the first one that is not is the client. If every entry is trusted the
 * left-most one is the client. A malformed entry (not an IPv4 or IPv6 literal, optionally with a port) stops the
 * walk and the last well-formed hop is the answer: a malformed header never throws and never lets a client choose
 * its own key. Host names are never looked up.
 *
 * <p>Addresses are returned in canonical text form when a header was read, so that differently written forms of
 * one IPv6 address count as one client. {@link #resolveKey} gives the rate-limit key of the client instead: an IPv4
 * address as is, an IPv6 address as its network of the configured prefix length ({@code 2001:db8:1:2::/64}), since
 * one subscriber usually holds a whole /64 and can pick any address in it. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:192.0.2.7}) are IPv4 addresses. Thread-safe and immutable.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class ClientAddressResolver {

	/** The header proxies append the address they received a request from to. */
	public static final String X_FORWARDED_FOR = "X-Forwarded-For";

	/** The default length of the prefix IPv6 clients are grouped by in keys: one subscriber's /64. */
	public static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private final Cidr[] trustedProxies;

	private final int ipv6PrefixLength;

	/**
	 * Creates a resolver that groups IPv6 clients by {@link #DEFAULT_IPV6_PREFIX_LENGTH}.
	 * @param trustedProxies CIDR ranges ({@code 10.0.0.0/8}, {@code fd00::/8}) or single addresses of trusted
	 * proxies; empty to ignore {@code X-Forwarded-For}
	 * @throws IllegalArgumentException if a range is not a valid IPv4 or IPv6 CIDR
	 */
	public ClientAddressResolver(List<String> trustedProxies) {
		this(trustedProxies, DEFAULT_IPV6_PREFIX_LENGTH);
	}

	/**
	 * Creates a resolver.
	 * @param trustedProxies CIDR ranges ({@code 10.0.0.0/8}, {@code fd00::/8}) or single addresses of trusted
	 * proxies; empty to ignore {@code X-Forwarded-For}
	 * @param ipv6PrefixLength the length of the network prefix IPv6 clients are grouped by in keys, 0 to 128 (128
	 * for one key per address)
	 * @throws IllegalArgumentException if a range is not a valid IPv4 or IPv6 CIDR or the prefix length is outside
	 * 0..128
	 */
	public ClientAddressResolver(List<String> trustedProxies, int ipv6PrefixLength) {
		Objects.requireNonNull(trustedProxies, "trustedProxies must not be null");
		if (ipv6PrefixLength < 0 || ipv6PrefixLength > 128) {
			throw new IllegalArgumentException("IPv6 prefix length must be between 0 and 128 (was "
					+ ipv6PrefixLength + ")");
		}
		this.ipv6PrefixLength = ipv6PrefixLength;
		this.trustedProxies = new Cidr[trustedProxies.size()];
		for (int i = 0; i < this.trustedProxies.length; i++) {
			this.trustedProxies[i] = Cidr.parse(trustedProxies.get(i));
		}
	}

	/**
	 * Returns the address of the client that sent the request.
	 * @param request the request
	 * @return the client's address, never {@code null}
	 */
	public String resolve(HttpServletRequest request) {
		String remote = request.getRemoteAddr();
		if (this.trustedProxies.length == 0 || remote == null) {
			return (remote != null) ? remote : "";
		}
		byte[] remoteBytes = parseAddress(remote);
		if (remoteBytes == null || !isTrusted(remoteBytes)) {
			return remote;
		}
		return format(forwardedClient(entries(headerValues(request)), remoteBytes));
	}

	/**
	 * Returns the rate-limit key of the client that sent the request: its IPv4 address, or the network of its IPv6
	 * address with the configured prefix length, such as {@code 2001:db8:1:2::/64} (the address itself when the
	 * prefix length is 128). Never throws: a remote address that is not an address literal is the key as is.
	 * @param request the request
	 * @return the key, never {@code null}
	 */
	public String resolveKey(HttpServletRequest request) {
		return resolveKey(request.getRemoteAddr(), () -> headerValues(request));
	}

	/**
	 * Returns the rate-limit key of a client, as {@link #resolveKey(HttpServletRequest)} does, from the parts of a
	 * request any web stack has.
	 * @param remoteAddress the connection's remote address as an address literal, or {@code null} if unknown
	 * @param forwardedFor the values of the request's {@code X-Forwarded-For} headers, in order
	 * @return the key, never {@code null}
	 */
	public String resolveKey(@Nullable String remoteAddress, List<String> forwardedFor) {
		Objects.requireNonNull(forwardedFor, "forwardedFor must not be null");
		return resolveKey(remoteAddress, () -> forwardedFor);
	}

	private String resolveKey(@Nullable String remote, Supplier<List<String>> forwardedFor) {
		if (remote == null) {
			return "";
		}
		if (this.trustedProxies.length == 0 && remote.indexOf(':') < 0) {
			return remote; // IPv4, as the server gave it
		}
		int zone = remote.indexOf('%');
		byte[] remoteBytes = parseAddress((zone < 0) ? remote : remote.substring(0, zone));
		if (remoteBytes == null) {
			return remote;
		}
		boolean forwarded = this.trustedProxies.length > 0 && isTrusted(remoteBytes);
		return key(forwarded ? forwardedClient(entries(forwardedFor.get()), remoteBytes) : remoteBytes);
	}

	/** Walks X-Forwarded-For from the right as the class describes; the remote is a trusted proxy. */
	private byte[] forwardedClient(List<String> entries, byte[] remoteBytes) {
		byte[] client = remoteBytes;
		for (int i = entries.size() - 1; i >= 0; i--) {
			byte[] hop = parseAddress(stripPort(entries.get(i).trim()));
			if (hop == null) {
				break;
			}
			client = hop;
			if (!isTrusted(hop)) {
				break;
			}
		}
		return client;
	}

	/**
	 * Returns whether the address is in one of the trusted proxy ranges.
	 * @param address an IPv4 or IPv6 literal
	 * @return whether it is a trusted proxy; {@code false} for anything that is not an address literal
	 */
	public boolean isTrustedProxy(String address) {
		byte[] bytes = parseAddress(address);
		return bytes != null && isTrusted(bytes);
	}

	private boolean isTrusted(byte[] address) {
		for (Cidr cidr : this.trustedProxies) {
			if (cidr.contains(address)) {
				return true;
			}
		}
		return false;
	}

	private static List<String> headerValues(HttpServletRequest request) {
		List<String> values = new ArrayList<>();
		Enumeration<String> headers = request.getHeaders(X_FORWARDED_FOR);
		if (headers == null) {
			return values;
		}
		while (headers.hasMoreElements()) {
			String header = headers.nextElement();
			if (header != null) {
				values.add(header);
			}
		}
		return values;
	}

	/** The comma-separated entries of the header values, in order. */
	private static List<String> entries(List<String> headerValues) {
		List<String> entries = new ArrayList<>();
		for (String header : headerValues) {
			if (header == null) {
				continue;
			}
			int start = 0;
			while (start <= header.length()) {
				int comma = header.indexOf(',', start);
				int end = (comma < 0) ? header.length() : comma;
				entries.add(header.substring(start, end));
				start = end + 1;
			}
		}
		return entries;
	}

	private static String stripPort(String entry) {
		if (entry.startsWith("[")) {
			int close = entry.indexOf(']');
			return (close > 0) ? entry.substring(1, close) : entry;
		}
		int colon = entry.indexOf(':');
		if (colon > 0 && entry.indexOf(':', colon + 1) < 0) {
			return entry.substring(0, colon); // IPv4 with a port
		}
		return entry;
	}

	/** An IPv4 address in dotted form, an IPv6 one as its network in RFC 5952 form with the prefix length. */
	private String key(byte[] address) {
		if (address.length == 4) {
			return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + "."
					+ (address[3] & 0xFF);
		}
		int[] groups = new int[8];
		for (int i = 0; i < 8; i++) {
			int bits = Math.min(16, Math.max(0, this.ipv6PrefixLength - i * 16));
			int mask = (bits == 0) ? 0 : (0xFFFF << (16 - bits)) & 0xFFFF;
			groups[i] = (((address[2 * i] & 0xFF) << 8) | (address[2 * i + 1] & 0xFF)) & mask;
		}
		String text = formatIpv6(groups);
		return (this.ipv6PrefixLength == 128) ? text : text + "/" + this.ipv6PrefixLength;
	}

	/** Formats eight 16-bit groups as RFC 5952 says: lower case, the longest run of two or more zeros as "::". */
	static String formatIpv6(int[] groups) {
		int runStart = -1;
		int runLength = 0;
		for (int i = 0; i < 8;) {
			if (groups[i] != 0) {
				i++;
				continue;
			}
			int j = i;
			while (j < 8 && groups[j] == 0) {
				j++;
			}
			if (j - i > runLength && j - i >= 2) {
				runStart = i;
				runLength = j - i;
			}
			i = j;
		}
		StringBuilder text = new StringBuilder(39);
		for (int i = 0; i < 8; i++) {
			if (i == runStart) {
				text.append("::");
				i += runLength - 1;
				continue;
			}
			if (i > 0 && i != runStart + runLength) {
				text.append(':');
			}
			appendHex(text, groups[i]);
		}
		return text.toString();
	}

	private static void appendHex(StringBuilder text, int group) {
		boolean started = false;
		for (int shift = 12; shift >= 0; shift -= 4) {
			int digit = (group >> shift) & 0xF;
			if (digit != 0 || started || shift == 0) {
				text.append(HEX[digit]);
				started = true;
			}
		}
	}

	private static String format(byte[] address) {
		try {
			return InetAddress.getByAddress(address).getHostAddress();
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex); // cannot happen: the length is 4 or 16
		}
	}

	/**
	 * Parses an IPv4 dotted quad or an IPv6 literal without any name lookup.
	 * @param text the text
	 * @return the address bytes (4 or 16), or {@code null} when the text is not an address literal
	 */
	static byte @Nullable [] parseAddress(String text) {
		if (text.isEmpty() || text.length() > 45) {
			return null;
		}
		if (text.indexOf(':') < 0) {
			return parseIpv4(text);
		}
		if (text.charAt(0) == '.') {
			return null;
		}
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			boolean valid = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
					|| c == '.';
			if (!valid) {
				return null;
			}
		}
		try {
			// Starting with a hex digit or ':' and containing ':', the text is parsed as an IPv6 literal or
			// rejected by InetAddress; it is never looked up.
			byte[] bytes = InetAddress.getByName(text).getAddress();
			return (bytes.length == 16 || bytes.length == 4) ? bytes : null;
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	private static byte @Nullable [] parseIpv4(String text) {
		byte[] bytes = new byte[4];
		int part = 0;
		int value = -1;
		for (int i = 0; i <= text.length(); i++) {
			char c = (i < text.length()) ? text.charAt(i) : '.';
			if (c == '.') {
				if (value < 0 || part == 4) {
					return null;
				}
				bytes[part++] = (byte) value;
				value = -1;
			}
			else if (c >= '0' && c <= '9') {
				value = ((value < 0) ? 0 : value * 10) + (c - '0');
				if (value > 255) {
					return null;
				}
			}
			else {
				return null;
			}
		}
		return (part == 4) ? bytes : null;
	}

	/** An address range: network bytes and a prefix length in bits. */
	private record Cidr(byte[] network, int prefix) {

		static Cidr parse(String text) {
			String value = text.trim();
			int slash = value.indexOf('/');
			String address = (slash < 0) ? value : value.substring(0, slash);
			byte[] bytes = parseAddress(address);
			if (bytes == null) {
				throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address or CIDR range");
			}
			int maxPrefix = bytes.length * 8;
			int prefix = maxPrefix;
			if (slash >= 0) {
				try {
					prefix = Integer.parseInt(value.substring(slash + 1));
				}
				catch (NumberFormatException ex) {
					prefix = -1;
				}
				if (prefix < 0 || prefix > maxPrefix) {
					throw new IllegalArgumentException(
							"'" + text + "' has a prefix length outside 0.." + maxPrefix);
				}
			}
			return new Cidr(bytes, prefix);
		}

		boolean contains(byte[] address) {
			if (address.length != this.network.length) {
				return false;
			}
			int full = this.prefix / 8;
			for (int i = 0; i < full; i++) {
				if (address[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefix % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xFF << (8 - rest)) & 0xFF;
			return (address[full] & mask) == (this.network[full] & mask);
		}

	}

}
